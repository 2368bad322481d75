// The HTTP rows of the settings table: Gunicorn's request limits and parser
// leniencies, trusted proxies, the PROXY protocol, TLS and HTTP/2. Spread into
// SETTINGS by settings.ts.

import { setting } from './setting.js';
import { InvalidValue, choice, commaList, flag, int, optionalStr, trustList, upperKeyValues, withImpliedValue, type ValueType } from './spec.js';

/** Gunicorn's cert_reqs takes Python's ssl.CERT_* numbers; the names say the same. */
const CERT_REQS = ['none', 'optional', 'required'] as const;
const certReqs: ValueType<(typeof CERT_REQS)[number]> = {
  ...choice(CERT_REQS),
  fromString: (raw) => (/^[012]$/.test(raw.trim()) ? CERT_REQS[Number(raw.trim())]! : choice(CERT_REQS).fromString(raw)),
  fromValue: (raw) => (typeof raw === 'number' ? certReqs.fromString(String(raw)) : choice(CERT_REQS).fromValue(raw)),
};

const tlsVersion: ValueType<'TLSv1.2' | 'TLSv1.3'> = {
  metavar: 'TLSv1.2|TLSv1.3',
  fromString: (raw) => {
    const v = raw.trim().toLowerCase().replace(/^tlsv?/, '');
    if (v === '1.2') return 'TLSv1.2';
    if (v === '1.3') return 'TLSv1.3';
    throw new InvalidValue('must be TLSv1.2 or TLSv1.3');
  },
  fromValue: (raw) => (typeof raw === 'string' ? tlsVersion.fromString(raw) : typeof raw === 'number' ? tlsVersion.fromString(String(raw)) : tlsVersion.fromString('')),
  show: (v) => v,
};

export const HTTP_SETTINGS = {
  limitRequestLine: setting({
    name: 'limit_request_line',
    section: 'Security',
    cli: ['--limit-request-line'],
    type: int({ min: 0 }),
    default: 4094,
    summary: 'The longest request line accepted, in bytes (0: up to 8190).',
    docs: 'A request line (method, target and version) longer than this is answered 400 and the connection closed. 0 and values of 8190 or more mean the hard maximum, 8190, as in Gunicorn. Limits the damage of a huge URL.',
  }),
  limitRequestFields: setting({
    name: 'limit_request_fields',
    section: 'Security',
    cli: ['--limit-request-fields'],
    type: int({ min: 0 }),
    default: 100,
    summary: 'The most header fields a request may have (0 or more than 32768: 32768).',
    docs: 'A request with more header fields is answered 431 and the connection closed; extra headers are never silently dropped.',
  }),
  limitRequestFieldSize: setting({
    name: 'limit_request_field_size',
    section: 'Security',
    cli: ['--limit-request-field_size'],
    type: int({ min: 0 }),
    default: 8190,
    summary: 'The longest header field accepted, in bytes (0: the default, 8190).',
    docs: 'Counts the whole field line with its CRLF (and its continuation lines with `--permit-obsolete-folding`). A longer field is answered 431 and the connection closed. Values above 8190 are allowed; the whole head may then be at most `limit_request_fields` x (this + 2) bytes. Gunicorn spells the flag `--limit-request-field_size`; `--limit-request-field-size` works too.',
  }),
  headerMap: setting({
    name: 'header_map',
    section: 'Security',
    cli: ['--header-map'],
    type: choice(['drop', 'refuse', 'dangerous'] as const),
    default: 'drop',
    summary: 'What to do with header names containing `_`: drop, refuse (400) or keep them.',
    docs: '`X_Forwarded_For` and `X-Forwarded-For` are the same name to many frameworks (and to CGI-style environments), so a client could smuggle one past a proxy that checks the other. `drop` (the default, as Gunicorn) removes such headers before the app sees them, `refuse` answers 400, `dangerous` passes them through.',
  }),
  permitObsoleteFolding: setting({
    name: 'permit_obsolete_folding',
    section: 'Security',
    cli: ['--permit-obsolete-folding'],
    type: flag,
    default: false,
    summary: 'Accept header values folded over several lines (obsolete; refused with 400 by default).',
    docs: 'RFC 9112 deprecates line folding. When permitted, the lines are joined with single spaces before the app sees the value.',
  }),
  stripHeaderSpaces: setting({
    name: 'strip_header_spaces',
    section: 'Security',
    cli: ['--strip-header-spaces'],
    type: flag,
    default: false,
    summary: 'Accept spaces between a header name and its colon (refused with 400 by default).',
    docs: '`Content-Length : 3` is a known request smuggling trick; only turn this on for a broken client you trust.',
  }),
  permitUnconventionalHttpMethod: setting({
    name: 'permit_unconventional_http_method',
    section: 'Security',
    cli: ['--permit-unconventional-http-method'],
    type: flag,
    default: false,
    summary: 'Accept any token as a method, not only 3 to 20 characters without lowercase letters or `#`.',
    docs: 'The method must still be an RFC 9110 token.',
  }),
  permitUnconventionalHttpVersion: setting({
    name: 'permit_unconventional_http_version',
    section: 'Security',
    cli: ['--permit-unconventional-http-version'],
    type: flag,
    default: false,
    summary: 'Accept HTTP versions other than 1.0 and 1.1 in the request line.',
    docs: 'Without it, such a request is answered 400, as in Gunicorn.',
  }),
  casefoldHttpMethod: setting({
    name: 'casefold_http_method',
    section: 'Security',
    cli: ['--casefold-http-method'],
    type: flag,
    default: false,
    summary: 'Upper-case the request method before the app sees it.',
    docs: 'Methods are case-sensitive; this exists for clients that send `get`. Combine with `--permit-unconventional-http-method` for lowercase methods to be accepted at all.',
  }),
  forwardedAllowIps: setting({
    name: 'forwarded_allow_ips',
    section: 'Security',
    cli: ['--forwarded-allow-ips'],
    type: trustList,
    default: ['127.0.0.1', '::1'],
    envDefault: (env) => env.FORWARDED_ALLOW_IPS,
    summary: 'Peers trusted to set the scheme and client address headers: addresses, CIDR networks, or `*` (comma-separated).',
    docs: 'Addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`), or `*` for any peer; defaults to `$FORWARDED_ALLOW_IPS` when set. Only for connections from these peers (and over unix sockets, which only local processes reach, as in Gunicorn) are the `secure_scheme_headers` looked at, deciding the scheme of the URL a fetch-style app sees, and the hops of `--forwarded-for-header` believed, deciding the client address; from any other peer those headers are passed to the app and believed for nothing. A request from a trusted peer whose scheme headers disagree (`X-Forwarded-Proto: https` with `X-Forwarded-Ssl: off`) is answered 400. Use `*` only when nothing but the proxy can reach Narwhal.',
  }),
  secureSchemeHeaders: setting({
    name: 'secure_scheme_headers',
    section: 'Security',
    cli: [],
    type: upperKeyValues,
    default: { 'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' },
    summary: 'Headers, and their values, by which a trusted proxy says the request came over https.',
    docs: 'Config file only: `secureSchemeHeaders: { "X-FORWARDED-PROTO": "https" }`. Names are matched case-insensitively; values exactly.',
  }),
  forwardedForHeader: setting({
    name: 'forwarded_for_header',
    section: 'Security',
    cli: ['--forwarded-for-header'],
    type: choice(['x-forwarded-for', 'forwarded'] as const),
    default: 'x-forwarded-for',
    summary: 'Where trusted proxies put the client address: X-Forwarded-For or Forwarded (RFC 7239).',
    docs: 'Not in Gunicorn, which leaves the address alone. The hops in this header are walked from the right, starting at the peer: while the address in hand is trusted (`--forwarded-allow-ips`), the hop before it is believed. The first untrusted address is the client: `ctx.clientAddress` for fetch-style apps, `forwardedInfo(req).clientAddress` for node-style apps, and the access log\'s `h`. Only one header is read, so a client cannot slip a forged address into the other one.',
  }),
  proxyProtocol: setting({
    name: 'proxy_protocol',
    section: 'Security',
    cli: ['--proxy-protocol'],
    type: withImpliedValue(choice(['off', 'v1', 'v2', 'auto'] as const), 'auto', { true: 'auto', false: 'off' }),
    default: 'off',
    summary: 'Expect a PROXY protocol header (v1 text, v2 binary, or either) from allowed peers.',
    docs: 'As HAProxy and AWS NLB send it. `--proxy-protocol` alone means `auto`. The header must come first on the connection, from a peer in `--proxy-allow-from` (else 403 and close); a malformed one is answered 400. A connection without one is served as usual. The client address it carries becomes the connection\'s `remoteAddress`/`remotePort` (what the access log and the apps see).',
  }),
  proxyAllowIps: setting({
    name: 'proxy_allow_ips',
    section: 'Security',
    cli: ['--proxy-allow-from'],
    type: commaList('ADDRESSES'),
    default: ['127.0.0.1', '::1'],
    summary: 'Peers allowed to send a PROXY protocol header (comma-separated; `*` for all).',
    docs: 'Addresses or CIDR ranges.',
  }),
  certfile: setting({
    name: 'certfile',
    section: 'SSL',
    cli: ['--certfile'],
    type: optionalStr('FILE'),
    default: null,
    summary: 'A PEM certificate (chain) file: every listener serves TLS (https) when set.',
    docs: 'The server certificate, followed by any intermediate certificates. Without `--keyfile` the private key must be in this file too. The files are read by each worker as it boots, so after renewing them a `HUP` (a reload) puts the new certificate in service without dropping a connection; the master checks them before binding and refuses to start (exit 2) when they cannot be read or do not match.',
  }),
  keyfile: setting({
    name: 'keyfile',
    section: 'SSL',
    cli: ['--keyfile'],
    type: optionalStr('FILE'),
    default: null,
    summary: 'The PEM private key of `--certfile` (when not in the certificate file).',
    docs: 'Unencrypted PEM (PKCS#8, PKCS#1 or SEC1). Needs `--certfile`.',
  }),
  caCerts: setting({
    name: 'ca_certs',
    section: 'SSL',
    cli: ['--ca-certs'],
    type: optionalStr('FILE'),
    default: null,
    summary: 'PEM file of the CA certificates that client certificates are checked against.',
    docs: 'Used with `--cert-reqs optional` or `required`. Without it, client certificates are checked against Node\'s bundled root CAs.',
  }),
  certReqs: setting({
    name: 'cert_reqs',
    section: 'SSL',
    cli: ['--cert-reqs'],
    type: certReqs,
    default: 'none',
    summary: 'Client certificates: none (not asked for), optional (checked when sent), required.',
    docs: 'As Gunicorn (which also takes Python\'s numbers 0, 1, 2). `none`: the server does not ask for one. `optional`: the server asks; a client may send none, but one that does not verify against `--ca-certs` fails the handshake. `required`: a client without a valid certificate fails the handshake. Apps see the certificate (see docs/tls-and-http2.md).',
  }),
  ciphers: setting({
    name: 'ciphers',
    section: 'SSL',
    cli: ['--ciphers'],
    type: optionalStr('CIPHERS'),
    default: null,
    summary: 'The TLS 1.2 cipher list, in OpenSSL\'s format (default: Node\'s own list).',
    docs: 'An OpenSSL cipher string, such as `ECDHE+AESGCM:ECDHE+CHACHA20`. TLS 1.3 suites are OpenSSL\'s and always on. A string OpenSSL does not understand stops the start (exit 2).',
  }),
  tlsMinVersion: setting({
    name: 'tls_min_version',
    section: 'SSL',
    cli: ['--tls-min-version', '--ssl-min-version'],
    type: tlsVersion,
    default: 'TLSv1.2',
    summary: 'The oldest TLS version accepted: TLSv1.2 (default) or TLSv1.3.',
    docs: 'Replaces Gunicorn\'s deprecated `ssl_version`. Versions older than 1.2 are not offered.',
  }),
  http2: setting({
    name: 'http2',
    section: 'SSL',
    cli: ['--http2'],
    type: flag,
    default: true,
    summary: 'Offer HTTP/2 beside HTTP/1.1 on TLS listeners (ALPN); `--no-http2` for HTTP/1.1 only.',
    docs: 'Only with `--certfile`: clients that offer `h2` in ALPN get HTTP/2, the others HTTP/1.1 through the same strict checks as plain connections. Up to 100 concurrent streams per connection; see docs/tls-and-http2.md for the flow-control windows and limits.',
  }),
} as const;
