// Entry point of a worker process, spawned by the master. Waits for the boot
// message, then hands over to Worker.

import nodeModule from 'node:module';
import { Channel } from '../ipc/channel.js';
import type { MasterMessage, WorkerMessage } from '../ipc/messages.js';
import { STANDBY_ARG } from '../dev/standby-arg.js';

// Node's compile cache (22.1+) keeps V8's code and, on a Node that strips types, the
// stripped TypeScript on disk: a worker that finds them compiles less and never loads
// Node's TypeScript stripper (about 17 MB). Before any import that it should cover.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const channel = new Channel<WorkerMessage, MasterMessage>(process);
const booted = channel.next('boot');
// A dev standby warms up (tsx, module-graph hooks) while it waits for its boot message.
const standby = process.argv.includes(STANDBY_ARG);
// A standby whose master is gone has nothing in flight: it just leaves.
const orphaned = () => process.exit(0);
if (standby) process.once('disconnect', orphaned);
// The worker's code is imported while the boot message is on its way.
const [{ Worker }, prepared] = await Promise.all([
  import('./worker.js'),
  standby ? import('../dev/standby-worker.js').then((s) => s.warmUp(process.argv[2] ?? '', process.cwd(), process.argv)) : {},
]);
const { boot } = await booted;
process.off('disconnect', orphaned);
await new Worker(boot, channel, prepared).run();
