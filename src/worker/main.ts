// Entry point of a worker process, spawned by the master. Waits for the boot
// message, then hands over to Worker.

import { Channel } from '../ipc/channel.js';
import type { MasterMessage, WorkerMessage } from '../ipc/messages.js';
import { Worker } from './worker.js';
import { STANDBY_ARG, warmUp } from '../dev/standby-worker.js';

const channel = new Channel<WorkerMessage, MasterMessage>(process);
const booted = channel.next('boot');
// A dev standby warms up (tsx, module-graph hooks) while it waits for its boot message.
const standby = process.argv.includes(STANDBY_ARG);
// A standby whose master is gone has nothing in flight: it just leaves.
const orphaned = () => process.exit(0);
if (standby) process.once('disconnect', orphaned);
const prepared = standby ? await warmUp(process.argv[2] ?? '', process.cwd()) : {};
const { boot } = await booted;
process.off('disconnect', orphaned);
await new Worker(boot, channel, prepared).run();
