import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { llhttpReason } from '../../../../src/http/wire/llhttp-reasons.js';

describe('llhttpReason', () => {
  it("words llhttp's codes as the strict parser words the same refusal", () => {
    assert.equal(llhttpReason('HPE_INVALID_CHUNK_SIZE'), 'invalid chunk size');
    assert.equal(llhttpReason('HPE_INVALID_TRANSFER_ENCODING'), 'invalid Transfer-Encoding');
    assert.equal(llhttpReason('HPE_HEADER_OVERFLOW'), 'request head too large');
    assert.equal(llhttpReason('ERR_HTTP_REQUEST_TIMEOUT'), 'request head not received in time');
  });

  it('never gives a client the code itself: an unknown or missing one is a generic reason', () => {
    for (const code of ['HPE_SOMETHING_NEW', undefined, '']) assert.equal(llhttpReason(code), 'malformed request');
    assert.doesNotMatch(llhttpReason('HPE_INVALID_METHOD'), /HPE_/);
  });
});
