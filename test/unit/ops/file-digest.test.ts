import { describe, expect, it } from 'vitest';
import { startDigest } from '../../../src/ops/file-digest.js';

describe('startDigest', () => {
  const text = new TextEncoder().encode('hello\n');
  it.each([
    // `git hash-object` of a file holding "hello\n".
    ['git-blob-sha1', 'ce013625030ba8dba906f756967f9e9ca394464a'],
    // `sha256sum` of the same file, as Git LFS records it.
    ['sha256', '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03'],
  ] as const)('%s matches the reference tool, fed in pieces', (algorithm, hex) => {
    const digest = startDigest({ algorithm, hex }, text.length);
    digest.update(text.subarray(0, 2));
    digest.update(text.subarray(2));
    expect(digest.hex()).toBe(hex);
  });
});
