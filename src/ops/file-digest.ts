// Content hashes the Hub publishes, recomputed while bytes stream in: LFS files carry the
// sha256 of their content; plain git files carry their git blob id (sha1 of "blob <size>\0" + content).
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

export interface ExpectedDigest {
  readonly algorithm: 'sha256' | 'git-blob-sha1';
  readonly hex: string;
}

export interface IncrementalDigest {
  update(chunk: Uint8Array): void;
  /** Lower-case hex. */
  hex(): string;
}

export function startDigest(expected: ExpectedDigest, size: number): IncrementalDigest {
  let hash: Hash;
  if (expected.algorithm === 'sha256') {
    hash = createHash('sha256');
  } else {
    hash = createHash('sha1');
    hash.update(`blob ${size}\0`);
  }
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    hex: () => hash.digest('hex'),
  };
}
