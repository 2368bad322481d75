// The hello app as a fetch-style TypeScript app that only needs type stripping
// (served by `narwhal` in scripts/bench-footprint.mjs).
import { fetchHello } from './hello.mjs';

interface App {
  fetch(request: Request): Response;
}

const app: App = { fetch: (_request: Request): Response => fetchHello() };
export default app;
