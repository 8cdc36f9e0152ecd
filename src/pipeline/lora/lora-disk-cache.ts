// Patched model copies on disk, one folder per (model part, LoRA set), least recently used first
// out once the folder outgrows its cap. A copy is written under a temporary name and renamed when
// complete, so a crash never leaves a half-written copy that looks usable.
import { lstat, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

const PARTIAL_SUFFIX = '.partial';

export class LoraDiskCache {
  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  /** The folder for `key`, written by `write` when it is not there yet. */
  async entry(key: string, write: (dir: string) => Promise<void>): Promise<{ dir: string; fresh: boolean }> {
    const dir = join(this.dir, key);
    if (await exists(dir)) {
      const now = new Date();
      await utimes(dir, now, now);
      return { dir, fresh: false };
    }
    const partial = `${dir}${PARTIAL_SUFFIX}${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    try {
      await write(partial);
      await rename(partial, dir);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
    await this.evict(key);
    return { dir, fresh: true };
  }

  /** Drops the oldest copies (never `keep`) until the cache fits its cap. */
  private async evict(keep: string): Promise<void> {
    const entries = [];
    for (const name of await readdir(this.dir)) {
      if (name.includes(PARTIAL_SUFFIX)) continue;
      const path = join(this.dir, name);
      entries.push({ name, path, used: (await stat(path)).mtimeMs, bytes: await sizeOf(path) });
    }
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (total <= this.maxBytes) return;
      if (entry.name === keep) continue;
      await rm(entry.path, { recursive: true, force: true });
      total -= entry.bytes;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Bytes of the regular files under `path`; links to the original model cost nothing. */
async function sizeOf(path: string): Promise<number> {
  const info = await lstat(path);
  if (info.isFile()) return info.size;
  if (!info.isDirectory()) return 0;
  let total = 0;
  for (const name of await readdir(path)) total += await sizeOf(join(path, name));
  return total;
}
