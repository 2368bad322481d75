// Two answers the hostile-input issue names, on both parsers: what the Fetch
// standard cannot carry (CONNECT, TRACE) gets a 405 with its reason on a
// fetch-style app, never a 500; and a fractional --keep-alive is advertised in
// whole seconds (`Keep-Alive: timeout=1` for 1.5), which clients parse as an integer.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APPS, exchangeOver, responses, type Server } from './harness.js';
import { startServer } from '../../helpers/narwhal.js';

for (const parser of ['strict', 'native'] as const) {
  describe(`fetch-style limits and Keep-Alive, --http-parser ${parser}`, () => {
    let fetchServer: Server;
    let nodeServer: Server;
    before(async () => {
      [fetchServer, nodeServer] = await Promise.all([
        startServer([APPS.fetch, '-w', '1', '--http-parser', parser, '--keep-alive', '1.5']),
        startServer([APPS.node, '-w', '1', '--http-parser', parser, '--keep-alive', '1.5']),
      ]);
    });
    after(() => Promise.all([fetchServer.stop(), nodeServer.stop()]));

    test('TRACE and CONNECT on a fetch-style app: 405 with a one-line reason, closed, never a 5xx', async () => {
      for (const head of ['TRACE /p HTTP/1.1\r\nHost: h\r\n\r\n', 'CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n']) {
        const out = await exchangeOver(fetchServer.port, Buffer.from(head));
        assert.ok(out.closed, head);
        const { list } = responses(out.data);
        assert.equal(list.length, 1, out.data.toString('latin1'));
        assert.equal(list[0]!.status, 405, out.data.toString('latin1'));
        // The reason line (the direct path frames it chunked).
        assert.match(out.data.toString('latin1'), /\r\n(?:[0-9a-f]+\r\n)?Method Not Allowed: fetch-style apps cannot receive (?:TRACE|CONNECT) [^\n]*\n/);
      }
    });

    for (const kind of ['fetch', 'node'] as const) {
      test(`--keep-alive 1.5 is advertised as Keep-Alive: timeout=1 (${kind}-style)`, async () => {
        const server = kind === 'fetch' ? fetchServer : nodeServer;
        const out = await exchangeOver(server.port, Buffer.from('GET /p HTTP/1.1\r\nHost: h\r\n\r\n'));
        const text = out.data.toString('latin1');
        assert.match(text, /\r\nKeep-Alive: timeout=1\r\n/i, text);
        assert.doesNotMatch(text, /timeout=1\.5/);
      });
    }
  });
}
