// The development rows of the settings table (`narwhal dev`, `--reload`,
// `--debug`, `--static`). Spread into SETTINGS by settings.ts.

import { setting } from './setting-row.js';
import { flag, list, staticMount, str } from './value-types.js';

export const DEBUG_SETTINGS = {
  reload: setting({
    name: 'reload',
    section: 'Debugging',
    cli: ['--reload'],
    type: flag,
    default: false,
    summary: 'Restart the workers when the app\'s code changes (on in `narwhal dev`).',
    docs: 'The master watches the files the app actually loaded (reported by the worker after it imports the app: its ES modules and CommonJS files, TypeScript included), the config file and `--reload-extra-file` paths, ignoring `node_modules`, `.git` and build output (`dist`, `build`). A burst of saves is one reload, and a reload is the same readiness-gated path as HUP: a new worker loads, reports ready, then the old one is retired, while the master keeps the listening socket open. For development only: it costs a watcher per directory.',
  }),
  reloadExtraFiles: setting({
    name: 'reload_extra_files',
    section: 'Debugging',
    cli: ['--reload-extra-file'],
    type: list(str('FILE')),
    default: [],
    summary: 'With --reload, also reload when this file changes (repeatable).',
    docs: 'For files the app reads rather than imports: templates, JSON or `.env` files. Relative paths are taken from the working directory.',
  }),
  debug: setting({
    name: 'debug',
    section: 'Debugging',
    cli: ['--debug'],
    type: flag,
    default: false,
    summary: 'Debug error pages and the load-error page (on in `narwhal dev`). Never in production.',
    docs: 'An uncaught exception answers with a page in the spirit of Django\'s debug page (exception, stack frames mapped to the TypeScript source with code context, the request, the environment with secret-looking values masked): HTML for browsers, JSON or plain text otherwise. With `--reload`, an app that fails to import (a syntax error, a throw at import) does not stop the server: requests get the load error with file, line and code frame until the next save fixes it. Without this setting an app error is a plain 500.',
  }),
  staticMounts: setting({
    name: 'static',
    section: 'Debugging',
    cli: ['--static'],
    type: list(staticMount),
    default: [],
    summary: 'Serve a directory of static files under a URL prefix: `--static /prefix=dir` (repeatable).',
    docs: 'In production and in `narwhal dev`: content types from the file extension, `ETag` and `Last-Modified` with 304 answers, single `Range` requests (206/416), a precompressed `file.br` or `file.gz` beside the file when the client accepts it (`Vary: Accept-Encoding`), `Cache-Control: public, max-age=31536000, immutable` for hashed assets (`/_next/static/`, `/_app/immutable/`, `/_astro/`, `/_nuxt/`, or a name like `index-BdQq_3hO.js`) and `no-cache` (revalidate) for the rest, and no path outside the directory (symlinks included). Requests under the prefix never reach the app; only GET and HEAD are answered (405 otherwise). A CDN in front still saves the workers the bytes.',
  }),
} as const;
