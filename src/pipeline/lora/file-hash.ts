// The short hash A1111 writes in `Lora hashes`: the first 12 hex digits of the file's SHA-256.
// Computed once per file version (path, size, mtime).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

const SHORT_HASH_LENGTH = 12;
const cache = new Map<string, { readonly stamp: string; readonly hash: string }>();

export async function shortFileHash(file: string): Promise<string> {
  const info = await stat(file);
  const stamp = `${info.size}:${info.mtimeMs}`;
  const cached = cache.get(file);
  if (cached?.stamp === stamp) return cached.hash;
  const digest = createHash('sha256');
  for await (const chunk of createReadStream(file)) digest.update(chunk as Buffer);
  const hash = digest.digest('hex').slice(0, SHORT_HASH_LENGTH);
  cache.set(file, { stamp, hash });
  return hash;
}
