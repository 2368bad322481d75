// Static files for the dev server (--static /prefix=dir), as runserver serves
// them: the same answers production gives (src/static/serve.ts). Re-exported
// here for dev-hooks.ts; runs in a worker.

export { contentType, parseRange, resolveInside, staticHandler, staticResponder, type FieldOf, type Range } from '../static/serve.js';
