// A Next.js custom server's request handler, handed to Narwhal as a Promise default export:
// `narwhal custom-handler.mjs` (run from the app's directory, after `next build`).
import next from 'next';

const app = next({ dev: false, dir: import.meta.dirname });
const handle = app.getRequestHandler();

export default app.prepare().then(() => (req, res) => handle(req, res));
