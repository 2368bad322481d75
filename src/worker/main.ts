// Entry point of a worker process, spawned by the master. Waits for the boot
// message, then hands over to Worker.

import { Channel } from '../ipc/channel.js';
import type { MasterMessage, WorkerMessage } from '../ipc/messages.js';
import { Worker } from './worker.js';

const channel = new Channel<WorkerMessage, MasterMessage>(process);
const { boot } = await channel.next('boot');
await new Worker(boot, channel).run();
