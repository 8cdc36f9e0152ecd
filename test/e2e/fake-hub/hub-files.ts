// The files a fake Hub repo serves, with the metadata the real Hub lists for them: git blob ids
// for small files, LFS sha256 and size for large or binary ones.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** The real Hub stores ONNX graphs, weights and anything over 10 MB in LFS. */
const LFS_EXTENSIONS = ['.onnx', '.onnx_data', '.data', '.pb', '.safetensors', '.bin'];
const LFS_MIN_BYTES = 10 * 1024 * 1024;
const LFS_POINTER_BYTES = 134;

export interface HubFile {
  readonly path: string;
  readonly data: Uint8Array;
  readonly gitOid: string;
  readonly lfs?: { readonly sha256: string; readonly pointerSize: number };
}

function gitBlobOid(data: Uint8Array): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

export function hubFile(path: string, data: Uint8Array): HubFile {
  const isLfs = data.length >= LFS_MIN_BYTES || LFS_EXTENSIONS.some((extension) => path.endsWith(extension));
  return {
    path,
    data,
    gitOid: gitBlobOid(data),
    ...(isLfs ? { lfs: { sha256: createHash('sha256').update(data).digest('hex'), pointerSize: LFS_POINTER_BYTES } } : {}),
  };
}

/** Every file under `dir`, keyed by its slash-separated path inside a repo (under `prefix`, if given). */
export async function readRepoFiles(dir: string, prefix = ''): Promise<HubFile[]> {
  const files: HubFile[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const path = `${prefix}${relative(dir, full).split(sep).join('/')}`;
    files.push(hubFile(path, await readFile(full)));
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
