// node:http, loaded with require. An ESM import of a built-in reads every one
// of its exports, and node:http's include lazy getters (WebSocket, since Node
// 22.5) that load Node's undici: 18 MB on Node 24. Imported by the engine's
// files and the metrics endpoint instead of node:http; runs in any process.

import { createRequire } from 'node:module';

const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export default http;
export const { METHODS, STATUS_CODES } = http;
