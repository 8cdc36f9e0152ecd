// Result PNGs and uploaded init images on disk under the data directory, by id. Files expire
// with the job records that point at them, so Variations, Upscale and re-roll of img2img keep
// working after a restart for as long as the record does.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_JOB_TTL_MS } from './job-store.js';
import type { ImageStore } from './ports/image-store.js';

const ID_PATTERN = /^[A-Za-z0-9-]{1,128}$/;
const FILE_SUFFIX = '.img';
const TEMP_SUFFIX = '.tmp';

export interface ImageStoreOptions {
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export class FileImageStore implements ImageStore {
  private readonly ttlMs: number;
  private readonly now: () => number;

  private constructor(
    readonly dir: string,
    options: ImageStoreOptions,
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_JOB_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  static async open(dir: string, options: ImageStoreOptions = {}): Promise<FileImageStore> {
    await mkdir(dir, { recursive: true });
    return new FileImageStore(dir, options);
  }

  static uploadId(): string {
    return `upload-${randomUUID()}`;
  }

  async put(id: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(id);
    // Write then rename, so a crash never leaves half an image under the real name.
    const temp = `${path}.${randomUUID()}${TEMP_SUFFIX}`;
    await writeFile(temp, bytes);
    await rename(temp, path);
  }

  /** The bytes, or undefined when the image is unknown or has expired. */
  async get(id: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(id);
    try {
      if (this.expired((await stat(path)).mtimeMs)) {
        await rm(path, { force: true });
        return undefined;
      }
      return await readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Restarts an image's lifetime, for a new job that refers to it. */
  async touch(id: string): Promise<boolean> {
    const at = new Date(this.now());
    try {
      await utimes(this.pathOf(id), at, at);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Deletes expired images (and temp files left by a crash); returns how many went. */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith(FILE_SUFFIX) && !name.endsWith(TEMP_SUFFIX)) continue;
      const path = join(this.dir, name);
      try {
        if (this.expired((await stat(path)).mtimeMs)) {
          await rm(path, { force: true });
          removed++;
        }
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    return removed;
  }

  private expired(mtimeMs: number): boolean {
    return this.now() - mtimeMs > this.ttlMs;
  }

  private pathOf(id: string): string {
    if (!ID_PATTERN.test(id)) throw new Error(`invalid image id: ${JSON.stringify(id)}`);
    return join(this.dir, id + FILE_SUFFIX);
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
