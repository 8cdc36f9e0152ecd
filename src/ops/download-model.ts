// Downloads the ONNX parts of a Hub repo into MODELS_DIR/<name> and checks the result with the
// same loader the bot uses, so a finished download is a folder the bot can open.
import { mkdir, stat, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HubApiError, listFiles } from '@huggingface/hub';
import type { ListFileEntry } from '@huggingface/hub';
import { readModelFolder } from '../pipeline/model/model-folder.js';
import type { ModelFolder } from '../pipeline/model/model-folder.js';
import { DownloadError, IncompleteDownloadError } from './download-errors.js';
import { sha256Of, writeManifest } from './download-manifest.js';
import type { DownloadManifest } from './download-manifest.js';
import { fetchModelFile, PART_SUFFIX } from './fetch-model-file.js';
import type { ByteListener, FileOutcome, HubSource } from './fetch-model-file.js';
import { formatBytes } from './format-bytes.js';
import { selectModelFiles } from './select-model-files.js';
import type { SelectedFile } from './select-model-files.js';

export const DEFAULT_HUB_URL = 'https://huggingface.co';
export const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 2000;
const HTTP_UNAUTHORIZED = 401;
const HTTP_FORBIDDEN = 403;
const HTTP_NOT_FOUND = 404;

export interface DownloadModelOptions extends HubSource {
  readonly subfolder?: string;
  /** Folder name under modelsDir. */
  readonly name: string;
  readonly modelsDir: string;
  readonly safetyChecker: boolean;
  /** Automatic resumes per file after a broken connection. */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /** Called once the file list is known, before any byte moves. */
  readonly onPlan?: (plan: DownloadPlan) => void;
  readonly onBytes?: ByteListener;
  readonly onFileStart?: (file: SelectedFile) => void;
  readonly onFileDone?: (file: SelectedFile, outcome: FileOutcome) => void;
  readonly onRetry?: (file: SelectedFile, attempt: number, error: IncompleteDownloadError) => void;
}

export interface DownloadPlan {
  readonly dir: string;
  readonly files: readonly SelectedFile[];
  readonly totalBytes: number;
}

export interface DownloadReport extends DownloadPlan {
  readonly outcomes: ReadonlyMap<string, FileOutcome>;
  readonly folder: ModelFolder;
  readonly manifest: DownloadManifest;
}

const COMMIT_ID = /^[0-9a-f]{40}$/;

/** The commit `revision` points at now (the Hub's revision endpoint), so every file comes from it; undefined when the Hub does not say. */
async function resolveCommit(options: DownloadModelOptions): Promise<string | undefined> {
  if (COMMIT_ID.test(options.revision)) return options.revision;
  const url = `${options.hubUrl}/api/models/${options.repo}/revision/${encodeURIComponent(options.revision)}`;
  try {
    const response = await fetch(url, options.accessToken === undefined ? {} : { headers: { authorization: `Bearer ${options.accessToken}` } });
    if (!response.ok) return undefined;
    const sha = ((await response.json()) as { sha?: unknown }).sha;
    return typeof sha === 'string' && COMMIT_ID.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

const FOLDER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

async function listRepo(options: DownloadModelOptions): Promise<ListFileEntry[]> {
  const entries: ListFileEntry[] = [];
  try {
    for await (const entry of listFiles({
      repo: options.repo,
      revision: options.revision,
      hubUrl: options.hubUrl,
      recursive: true,
      ...(options.subfolder ? { path: options.subfolder } : {}),
      ...(options.accessToken !== undefined ? { accessToken: options.accessToken } : {}),
    })) {
      entries.push(entry);
    }
  } catch (error) {
    throw explainHubError(error, options);
  }
  return entries;
}

/** `owner/repo@revision[/subfolder]`, as messages name the source. */
function describeSource(source: HubSource & { subfolder?: string }): string {
  return `${source.repo}@${source.revision}${source.subfolder ? `/${source.subfolder}` : ''}`;
}

/** Turns the Hub client's errors into messages that say what to change. */
function explainHubError(error: unknown, source: HubSource & { subfolder?: string }): Error {
  if (error instanceof DownloadError) return error;
  const where = `${describeSource(source)} on ${source.hubUrl}`;
  if (error instanceof HubApiError) {
    if (error.statusCode === HTTP_UNAUTHORIZED || error.statusCode === HTTP_FORBIDDEN) {
      const hint = source.accessToken === undefined
        ? 'set HF_TOKEN to a token that can read it (gated repos also need their licence accepted on the website)'
        : 'HF_TOKEN was refused: check that it is valid and allowed to read this repo';
      return new DownloadError(`the Hub refused access to ${where} (HTTP ${error.statusCode}): ${hint}`);
    }
    if (error.statusCode === HTTP_NOT_FOUND) {
      return new DownloadError(`${where} was not found (HTTP 404): check the repo id, --revision and --subfolder`);
    }
    return new DownloadError(`the Hub answered HTTP ${error.statusCode} for ${where}: ${error.message}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return new DownloadError(`cannot reach ${source.hubUrl} for ${where}: ${message}${cause}; check HF_ENDPOINT and the network`);
}

async function checkFreeSpace(dir: string, bytes: number): Promise<void> {
  let free: number;
  try {
    const stats = await statfs(dir);
    free = stats.bavail * stats.bsize;
  } catch {
    return; // Unknown file system: let the writes tell.
  }
  if (free < bytes) {
    throw new DownloadError(`${dir} needs ${formatBytes(bytes)} more but only ${formatBytes(free)} is free: free some space or set MODELS_DIR elsewhere`);
  }
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

async function fetchWithRetries(options: DownloadModelOptions, file: SelectedFile, dest: string, onBytes: ByteListener): Promise<FileOutcome> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  let resumed = false;
  for (let attempt = 0; ; attempt++) {
    try {
      const outcome = await fetchModelFile(options, file, dest, onBytes);
      return resumed && outcome === 'downloaded' ? 'resumed' : outcome;
    } catch (error) {
      if (!(error instanceof IncompleteDownloadError) || attempt >= retries) {
        if (error instanceof IncompleteDownloadError) {
          throw new IncompleteDownloadError(`${error.message}; the partial file is kept, run the command again to resume`, error.file);
        }
        throw explainHubError(error, options);
      }
      resumed = true;
      options.onRetry?.(file, attempt + 1, error);
      await sleep((options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS) * 2 ** attempt);
    }
  }
}

/** Bytes still to transfer: what is neither in place nor in a `.part` file yet. */
async function sizeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function missingBytes(dir: string, files: readonly SelectedFile[]): Promise<number> {
  let missing = 0;
  for (const file of files) {
    const target = join(dir, file.localPath);
    const have = (await sizeOrZero(target)) === file.size ? file.size : Math.min(await sizeOrZero(`${target}${PART_SUFFIX}`), file.size);
    missing += file.size - have;
  }
  return missing;
}

export async function downloadModel(options: DownloadModelOptions): Promise<DownloadReport> {
  if (!FOLDER_NAME.test(options.name)) {
    throw new DownloadError(`--name must be a plain folder name (letters, digits, ".", "_", "-"), got "${options.name}"`);
  }
  const dir = resolve(options.modelsDir, options.name);
  const commit = await resolveCommit(options);
  // Pinned to the commit, so a push during a long download cannot mix two versions.
  const pinned: DownloadModelOptions = commit === undefined ? options : { ...options, revision: commit };
  const entries = await listRepo(pinned);
  const files = selectModelFiles(entries, describeSource(options), options);
  const plan: DownloadPlan = { dir, files, totalBytes: files.reduce((sum, file) => sum + file.size, 0) };
  options.onPlan?.(plan);

  await mkdir(dir, { recursive: true });
  await checkFreeSpace(dir, await missingBytes(dir, files));

  const outcomes = new Map<string, FileOutcome>();
  const onBytes = options.onBytes ?? (() => undefined);
  for (const file of files) {
    options.onFileStart?.(file);
    const outcome = await fetchWithRetries(pinned, file, join(dir, file.localPath), onBytes);
    outcomes.set(file.localPath, outcome);
    options.onFileDone?.(file, outcome);
  }
  const folder = await readModelFolder(dir);
  const manifestFiles = [];
  for (const file of files) {
    // LFS files were checked against their sha256 on the way in; small git files are hashed here.
    const sha256 = file.digest?.algorithm === 'sha256' ? file.digest.hex.toLowerCase() : await sha256Of(join(dir, file.localPath));
    manifestFiles.push({ path: file.localPath, size: file.size, sha256 });
  }
  const manifest = await writeManifest(dir, {
    repo: options.repo,
    revision: options.revision,
    ...(commit !== undefined ? { commit } : {}),
    ...(options.subfolder !== undefined ? { subfolder: options.subfolder } : {}),
    hubUrl: options.hubUrl,
    downloadedAt: new Date().toISOString(),
    files: manifestFiles,
  });
  return { ...plan, outcomes, folder, manifest };
}
