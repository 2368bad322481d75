// The one hello app every peer serves: the same body and headers, in the two
// shapes (node:http listener and fetch handler). Imported by the bench servers.

export const BODY = 'Hello, World!\n';
export const TYPE = 'text/plain; charset=utf-8';

export function nodeHello(req, res) {
  res.writeHead(200, { 'content-type': TYPE, 'content-length': Buffer.byteLength(BODY) });
  res.end(BODY);
}

export function fetchHello() {
  return new Response(BODY, { headers: { 'content-type': TYPE } });
}
