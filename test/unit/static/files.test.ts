import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHashedAsset } from '../../../src/static/files.js';

test('hashed asset names: webpack hex, Vite base64url (with - and _), framework folders; plain names are not', () => {
  for (const p of ['/assets/index-BdQq_3hO.js', '/app.3f9a1c2e.css', '/assets/entry.client-z2C87-9J.js', '/assets/root-Co_V-60x.js', '/_astro/index.css', '/_app/immutable/x.js'])
    assert.equal(isHashedAsset(p), true, p);
  for (const p of ['/site.css', '/favicon.ico', '/js/header-1234-abc.js', '/my-component.js', '/assets/some-long-name.js'])
    assert.equal(isHashedAsset(p), false, p);
});
