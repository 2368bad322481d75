// The hello app in TypeScript that type stripping cannot run (an enum), so
// Narwhal loads it through tsx (served in scripts/bench-footprint.mjs).
import { fetchHello } from './hello.mjs';

enum Route {
  Hello = '/',
}

export default {
  fetch(request: Request): Response {
    return new URL(request.url).pathname === Route.Hello ? fetchHello() : new Response('not found', { status: 404 });
  },
};
