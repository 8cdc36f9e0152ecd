// Fetches one file of a model into place, resuming from `<file>.part` with an HTTP Range request
// (through @huggingface/hub's Blob.slice), checking the size and hash the Hub lists, and only
// then renaming it. A file already in place is kept when its size and hash still match.
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { downloadFile } from '@huggingface/hub';
import { CorruptDownloadError, DownloadError, IncompleteDownloadError } from './download-errors.js';
import { startDigest } from './file-digest.js';
import type { IncrementalDigest } from './file-digest.js';
import type { SelectedFile } from './select-model-files.js';

export const PART_SUFFIX = '.part';
const HTTP_PARTIAL_CONTENT = 206;

export interface HubSource {
  readonly repo: string;
  readonly revision: string;
  /** HF_ENDPOINT, e.g. https://huggingface.co. */
  readonly hubUrl: string;
  readonly accessToken?: string;
}

export type FileOutcome = 'present' | 'downloaded' | 'resumed';

/** Bytes as they are confirmed: `network` for new transfer, `local` for bytes already on disk. */
export type ByteListener = (bytes: number, source: 'network' | 'local') => void;

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function hashFile(path: string, digest: IncrementalDigest, onBytes: ByteListener): Promise<void> {
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    digest.update(bytes);
    onBytes(bytes.length, 'local');
  }
}

/** A file in place counts when its size and (if listed) hash match. */
async function isPresent(dest: string, file: SelectedFile, onBytes: ByteListener): Promise<boolean> {
  if ((await sizeOf(dest)) !== file.size) return false;
  if (file.digest === undefined) {
    onBytes(file.size, 'local');
    return true;
  }
  const digest = startDigest(file.digest, file.size);
  let counted = 0;
  await hashFile(dest, digest, (bytes) => {
    counted += bytes;
    onBytes(bytes, 'local');
  });
  if (digest.hex() === file.digest.hex.toLowerCase()) return true;
  onBytes(-counted, 'local');
  return false;
}

/** Set when a server answers a resuming Range request with the whole file (200 instead of 206). */
class RangeIgnoredError extends Error {}

/** fetch that refuses a 200 answer to a resuming Range request, which would append the file's start again. */
function rangeCheckingFetch(seen: { rangeIgnored: boolean }): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const range = new Headers(init?.headers).get('range');
    const resumes = range !== null && !/^bytes=0-/.test(range);
    if (resumes && response.ok && response.status !== HTTP_PARTIAL_CONTENT) {
      seen.rangeIgnored = true;
      await response.body?.cancel();
      throw new RangeIgnoredError('the server ignored the Range request');
    }
    return response;
  };
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) {
    const cause = reason.cause instanceof Error ? `: ${reason.cause.message}` : '';
    return `${reason.message}${cause}`;
  }
  return String(reason);
}

/** Appends bytes from `offset` to the part file, feeding the digest as they land on disk. */
async function transfer(source: HubSource, file: SelectedFile, part: string, offset: number, digest: IncrementalDigest | undefined, onBytes: ByteListener): Promise<void> {
  const seen = { rangeIgnored: false };
  const blob = await downloadFile({
    repo: source.repo,
    path: file.repoPath,
    revision: source.revision,
    hubUrl: source.hubUrl,
    fetch: rangeCheckingFetch(seen),
    ...(source.accessToken !== undefined ? { accessToken: source.accessToken } : {}),
  });
  if (blob === null) throw new DownloadError(`${file.repoPath} is listed in ${source.repo} but the Hub answered "not found"`, file.localPath);
  const handle = await open(part, 'a');
  let received = 0;
  try {
    for await (const chunk of (offset > 0 ? blob.slice(offset) : blob).stream()) {
      const bytes = chunk as Uint8Array;
      if (offset + received + bytes.length > file.size) {
        throw new CorruptDownloadError(`${file.localPath}: the server sent more than the ${file.size} bytes the Hub lists`, file.localPath);
      }
      await handle.write(bytes);
      digest?.update(bytes);
      received += bytes.length;
      onBytes(bytes.length, 'network');
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    if (seen.rangeIgnored) throw new RangeIgnoredError(`${file.localPath}: the server ignored the Range request`);
    throw new IncompleteDownloadError(`${file.localPath}: the transfer broke after ${offset + received} of ${file.size} bytes (${reasonText(error)})`, file.localPath);
  } finally {
    await handle.close();
  }
}

export async function fetchModelFile(source: HubSource, file: SelectedFile, dest: string, onBytes: ByteListener): Promise<FileOutcome> {
  if (await isPresent(dest, file, onBytes)) return 'present';
  await mkdir(dirname(dest), { recursive: true });
  await rm(dest, { force: true });

  const part = `${dest}${PART_SUFFIX}`;
  let offset = (await sizeOf(part)) ?? 0;
  if (offset > file.size) {
    await rm(part, { force: true });
    offset = 0;
  }
  let digest = file.digest === undefined ? undefined : startDigest(file.digest, file.size);
  if (offset > 0) {
    if (digest) await hashFile(part, digest, onBytes);
    else onBytes(offset, 'local');
  }
  if (offset < file.size) {
    try {
      await transfer(source, file, part, offset, digest, onBytes);
    } catch (error) {
      if (error instanceof CorruptDownloadError) await rm(part, { force: true });
      if (!(error instanceof RangeIgnoredError)) throw error;
      // This server cannot resume: start the file over.
      await rm(part, { force: true });
      onBytes(-offset, 'local');
      offset = 0;
      digest = file.digest === undefined ? undefined : startDigest(file.digest, file.size);
      await transfer(source, file, part, offset, digest, onBytes);
    }
  }

  if (file.size === 0) await writeFile(part, new Uint8Array());
  const size = (await sizeOf(part)) ?? 0;
  if (size < file.size) {
    throw new IncompleteDownloadError(`${file.localPath}: the server ended the transfer after ${size} of ${file.size} bytes`, file.localPath);
  }
  if (digest !== undefined && file.digest !== undefined) {
    const actual = digest.hex();
    if (actual !== file.digest.hex.toLowerCase()) {
      await rm(part, { force: true });
      throw new CorruptDownloadError(
        `${file.localPath}: ${file.digest.algorithm} mismatch (the Hub lists ${file.digest.hex}, the download hashes to ${actual}); ` +
          'the corrupt file was removed, run the command again to fetch it anew',
        file.localPath,
      );
    }
  }
  await rename(part, dest);
  return offset > 0 ? 'resumed' : 'downloaded';
}
