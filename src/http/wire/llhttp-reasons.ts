// Readable reasons for what node:http's parser (llhttp) refuses, worded as the
// strict parser words its own refusals: a client reads "invalid chunk size",
// not llhttp's code, which stays in the debug log. Used by native-http1.ts in workers.

const REASONS: Readonly<Record<string, string>> = {
  HPE_INVALID_METHOD: 'invalid method',
  HPE_INVALID_URL: 'invalid request target',
  HPE_INVALID_VERSION: 'invalid HTTP version',
  HPE_INVALID_CONSTANT: 'invalid request line',
  HPE_UNEXPECTED_SPACE: 'invalid request line',
  HPE_STRICT: 'malformed request',
  HPE_CR_EXPECTED: 'bare LF in request',
  HPE_LF_EXPECTED: 'bare CR in request',
  HPE_INVALID_HEADER_TOKEN: 'invalid header field',
  HPE_INVALID_CONTENT_LENGTH: 'invalid Content-Length',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'both Content-Length and Transfer-Encoding',
  HPE_INVALID_TRANSFER_ENCODING: 'invalid Transfer-Encoding',
  HPE_INVALID_CHUNK_SIZE: 'invalid chunk size',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'chunk extensions too long',
  HPE_HEADER_OVERFLOW: 'request head too large',
  HPE_INVALID_EOF_STATE: 'request cut short',
  HPE_CLOSED_CONNECTION: 'data after Connection: close',
  ERR_HTTP_REQUEST_TIMEOUT: 'request head not received in time',
};

/** The reason a refusal of node:http's parser is answered with: for a code it has no wording for, a generic one. */
export function llhttpReason(code: string | undefined): string {
  return (code !== undefined && REASONS[code]) || 'malformed request';
}
