// `narwhal dev`'s defaults and warnings: the defaults sit under the config
// file and the command line, and common mistakes are named.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../../src/config/resolve.js';
import { DEV_DEFAULTS, devBanner, devWarnings } from '../../../src/dev/dev.js';

const resolve = (argv: string[], env = {}) => resolveConfig({ argv, env, cwd: '/nonexistent-dir-for-tests', defaults: DEV_DEFAULTS });

describe('narwhal dev defaults', () => {
  it('starts from development defaults, which the command line overrides', async () => {
    const { config, origins } = await resolve(['app.ts'], { PORT: '9999', WEB_CONCURRENCY: '4' });
    assert.deepEqual([config.reload, config.debug, config.loglevel, config.bind, config.workers], [true, true, 'debug', ['127.0.0.1:8000'], 1]);
    assert.equal(origins.bind, 'default');
    const over = await resolve(['--log-level', 'info', '-b', '127.0.0.1:9000', '--no-reload', 'app.ts']);
    assert.deepEqual([over.config.loglevel, over.config.bind, over.config.reload], ['info', ['127.0.0.1:9000'], false]);
  });

  it('parses --static mounts and rejects malformed ones', async () => {
    const { config } = await resolve(['--static', '/assets/=public', '--static', '/=site', 'app.ts']);
    assert.deepEqual(config.staticMounts, [{ prefix: '/assets', dir: 'public' }, { prefix: '/', dir: 'site' }]);
    await assert.rejects(resolve(['--static', 'assets=public']), /invalid value "assets=public" for --static.*\/PREFIX=DIR/);
  });

  it('warns about 0.0.0.0, NODE_ENV=production and several workers, and says it is not for production', async () => {
    const { config } = await resolve(['-b', '0.0.0.0:8000', '-b', '[::]:8001', '-w', '2', 'app.ts']);
    const w = devWarnings(config, 'production');
    assert.equal(w.length, 4);
    assert.match(w[0]!, /bound to 0\.0\.0\.0:8000/);
    assert.match(w[1]!, /bound to \[::\]:8001/);
    assert.match(w[2]!, /NODE_ENV=production/);
    assert.match(w[3]!, /2 workers/);
    assert.deepEqual(devWarnings((await resolve(['app.ts'])).config, 'development'), []);
    assert.match(devBanner(config), /DEVELOPMENT server\. Do not use it in production/);
  });
});
