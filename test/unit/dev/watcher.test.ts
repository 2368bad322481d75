// The dev watcher on a real directory: a burst of saves is one callback,
// ignored directories never fire, and an atomic rename-over save is seen.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FileWatcher, isIgnored } from '../../../src/dev/watcher.js';
import { waitFor } from '../../helpers/narwhal.js';

describe('FileWatcher', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-watch-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('turns a burst of ten saves into one change, and sees a rename-over save', async () => {
    const files = Array.from({ length: 10 }, (_, i) => path.join(dir, `f${i}.ts`));
    for (const f of files) writeFileSync(f, 'a');
    const calls: (readonly string[])[] = [];
    const w = new FileWatcher({ debounceMs: 60, onChange: (c) => calls.push(c) });
    try {
      w.setFiles(files);
      for (const f of files) writeFileSync(f, 'b');
      await waitFor('one change', () => calls.length >= 1);
      // Nothing more arrives for the same burst: a later write is a second change.
      writeFileSync(path.join(dir, 'f0.ts'), 'c');
      await waitFor('a second change', () => calls.length >= 2);
      assert.equal(calls.length, 2);
      assert.equal(new Set(calls[0]).size, 10);
      writeFileSync(path.join(dir, 'f1.ts.tmp'), 'd');
      renameSync(path.join(dir, 'f1.ts.tmp'), path.join(dir, 'f1.ts'));
      await waitFor('the renamed save', () => calls.length >= 3 && calls[2]!.includes(path.join(dir, 'f1.ts')));
    } finally {
      w.close();
    }
  });

  it('ignores node_modules, .git and build output unless named explicitly', () => {
    assert.equal(isIgnored('/p/node_modules/x/index.js'), true);
    assert.equal(isIgnored('/p/.git/HEAD'), true);
    assert.equal(isIgnored('/p/dist/app.js'), true);
    assert.equal(isIgnored('/p/src/app.ts'), false);
    mkdirSync(path.join(dir, 'dist'), { recursive: true });
    const built = path.join(dir, 'dist', 'out.js');
    writeFileSync(built, '1');
    const w = new FileWatcher({ debounceMs: 10, onChange: () => {} });
    w.setFiles([built, path.join(dir, 'f0.ts')]);
    assert.deepEqual(w.files, [path.join(dir, 'f0.ts')]);
    w.setFiles([built], [built]);
    assert.deepEqual(w.files, [built]);
    w.close();
  });
});
