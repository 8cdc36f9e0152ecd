// What a download brought into a model folder, written next to it as download-manifest.json:
// the repo, the commit the revision resolved to, and every file's size and sha256. `doctor`
// and `model:download --check` compare the folder against it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MANIFEST_FILE = 'download-manifest.json';
const MANIFEST_VERSION = 1;

export interface ManifestFile {
  /** Path inside the model folder, with forward slashes. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface DownloadManifest {
  readonly version: number;
  readonly repo: string;
  /** The revision asked for (branch, tag or commit). */
  readonly revision: string;
  /** The commit it resolved to, when the Hub said. */
  readonly commit?: string;
  readonly subfolder?: string;
  readonly hubUrl: string;
  readonly downloadedAt: string;
  readonly files: readonly ManifestFile[];
}

export type ManifestContent = Omit<DownloadManifest, 'version'>;

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function writeManifest(dir: string, content: ManifestContent): Promise<DownloadManifest> {
  const manifest: DownloadManifest = { version: MANIFEST_VERSION, ...content };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The folder's manifest, undefined when it has none; throws when it is unreadable. */
export async function readManifest(dir: string): Promise<DownloadManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as Partial<DownloadManifest>;
  if (typeof parsed.repo !== 'string' || !Array.isArray(parsed.files)) throw new Error(`${join(dir, MANIFEST_FILE)} is not a download manifest`);
  return parsed as DownloadManifest;
}

/** Differences between the folder and its manifest, one line each; sizes always, hashes when asked (slow on big models). */
export async function verifyManifest(dir: string, manifest: DownloadManifest, options: { hashes: boolean }): Promise<string[]> {
  const problems: string[] = [];
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      problems.push(`${file.path} is missing`);
      continue;
    }
    if (size !== file.size) problems.push(`${file.path} is ${size} bytes, the download had ${file.size}`);
    else if (options.hashes && (await sha256Of(path)) !== file.sha256) problems.push(`${file.path} has changed (sha256 differs)`);
  }
  return problems;
}

/** `owner/repo@commit` for messages, the commit shortened. */
export function describeManifest(manifest: DownloadManifest): string {
  const revision = manifest.commit?.slice(0, 12) ?? manifest.revision;
  return `${manifest.repo}@${revision}${manifest.subfolder ? `/${manifest.subfolder}` : ''}`;
}
