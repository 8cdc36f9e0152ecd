import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from '../../../src/ops/download-manifest.js';
import { downloadModel } from '../../../src/ops/download-model.js';
import type { FileOutcome } from '../../../src/ops/fetch-model-file.js';
import { runModelDownload } from '../../../src/ops/run-model-download.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import { FAKE_HUB_COMMIT, startFakeHub } from './fake-hub.js';
import type { FakeHub, FakeRepo } from './fake-hub.js';
import { readRepoFiles } from './hub-files.js';
import { foreignFiles, safetyCheckerFiles, sampleModelFiles, SAMPLE_UNET_DATA_BYTES, toHubFiles } from './sample-model.js';

const REPO = 'acme/tiny-sd';
const TOKEN = 'hf_fakeTokenForTheLocalHub0123456789';
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const UNET_DATA = 'unet/model.onnx_data';
const CUT_AFTER_BYTES = 700_000;

let hub: FakeHub | undefined;
let modelsDir: string;

beforeEach(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'imagine-models-'));
});
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await rm(modelsDir, { recursive: true, force: true });
});

const wanted = new Map([...sampleModelFiles(), ...safetyCheckerFiles()]);

async function startHub(repos: FakeRepo[] = [{ id: REPO, files: toHubFiles(new Map([...wanted, ...foreignFiles()])) }], extra: { requireToken?: string } = {}): Promise<FakeHub> {
  // A small page size makes the client follow the tree listing's Link headers.
  hub = await startFakeHub({ repos, pageSize: 4, ...extra });
  return hub;
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text), isTTY: false } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

async function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const capture = captureIo();
  const code = await runModelDownload(args, { HF_ENDPOINT: hub?.url, MODELS_DIR: modelsDir, ...env }, capture.io);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

async function expectFolderMatches(dir: string, contents: ReadonlyMap<string, Uint8Array>): Promise<void> {
  expect(await filesUnder(dir)).toEqual([...contents.keys(), MANIFEST_FILE].sort());
  for (const [path, data] of contents) expect(Buffer.compare(await readFile(join(dir, path)), Buffer.from(data)), path).toBe(0);
}

describe('model:download against a local Hub', () => {
  it('fetches only the ONNX parts, verified, into MODELS_DIR/<name>, with progress on stderr', async () => {
    const server = await startHub();
    const result = await runCli([REPO, '--name', 'tiny']);

    expect(result.stderr).not.toContain('failed');
    expect(result.code).toBe(0);
    await expectFolderMatches(join(modelsDir, 'tiny'), wanted);
    for (const path of foreignFiles().keys()) expect(server.transfers(path), path).toEqual([]);
    expect(server.requests.filter((request) => request.path === `/api/models/${REPO}/tree/${FAKE_HUB_COMMIT}`).length).toBeGreaterThan(1);
    expect(result.stdout).toContain('tiny: ready in');
    expect(result.stdout).toContain('with vae_encoder and safety_checker');
    // Plain lines, not a redrawn bar, when stderr is not a terminal; bytes and speed on each.
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('download '));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/^download 100% +3\.\d+ MB \/ 3\.\d+ MB +[\d.]+ [kMG]?B\/s/);
    expect(result.stderr).not.toContain('\r');
  });

  it('resumes an interrupted file on the next run with a Range request and ends with the right bytes', async () => {
    const server = await startHub();
    server.cutConnection(UNET_DATA, CUT_AFTER_BYTES);
    const first = await runCli([REPO, '--name', 'tiny', '--retries', '0']);

    expect(first.code).toBe(1);
    expect(first.stderr).toContain(UNET_DATA);
    expect(first.stderr).toContain('run the command again to resume');
    const target = join(modelsDir, 'tiny', UNET_DATA);
    expect(existsSync(target)).toBe(false);
    const kept = (await stat(`${target}.part`)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(CUT_AFTER_BYTES);

    const second = await runCli([REPO, '--name', 'tiny']);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`resumed ${UNET_DATA}`);
    const transfers = server.transfers(UNET_DATA);
    expect(transfers.at(-1)?.range).toBe(`bytes=${kept}-${SAMPLE_UNET_DATA_BYTES - 1}`);
    await expectFolderMatches(join(modelsDir, 'tiny'), wanted);
  });

  it('resumes within one run when retries are allowed', async () => {
    const server = await startHub();
    server.cutConnection(UNET_DATA, CUT_AFTER_BYTES);
    const outcomes = new Map<string, FileOutcome>();
    const retries: string[] = [];
    const report = await downloadModel({
      repo: REPO,
      revision: 'main',
      hubUrl: server.url,
      name: 'tiny',
      modelsDir,
      safetyChecker: false,
      retries: 2,
      retryDelayMs: 1,
      onFileDone: (file, outcome) => outcomes.set(file.localPath, outcome),
      onRetry: (file) => retries.push(file.localPath),
    });
    expect(retries).toEqual([UNET_DATA]);
    expect(outcomes.get(UNET_DATA)).toBe('resumed');
    // The retry asks for the rest from wherever the partial file ends: the bytes in flight when the
    // connection was cut may or may not have reached it.
    const [first, retry] = server.transfers(UNET_DATA).map((request) => request.range);
    expect(first).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-(\d+)$/.exec(retry ?? '')?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(CUT_AFTER_BYTES);
    expect(retry).toBe(`bytes=${resumedFrom}-${SAMPLE_UNET_DATA_BYTES - 1}`);
    expect(server.transfers(UNET_DATA)).toHaveLength(2);
    expect(outcomes.get('unet/model.onnx')).toBe('downloaded');
    expect(report.folder.parts.safetyChecker).toBeUndefined();
    await expectFolderMatches(join(modelsDir, 'tiny'), sampleModelFiles());
  });

  it('starts a file over when the server ignores the Range request', async () => {
    const server = await startHub();
    server.cutConnection(UNET_DATA, CUT_AFTER_BYTES);
    server.ignoreRange(UNET_DATA);
    await downloadModel({ repo: REPO, revision: 'main', hubUrl: server.url, name: 'tiny', modelsDir, safetyChecker: true, retries: 1, retryDelayMs: 1 });
    // Cut, resume refused with a 200, then the whole file again. The resume starts where the
    // partial file ends: at most the bytes sent before the cut (the last chunk may die in flight).
    const ranges = server.transfers(UNET_DATA).map((request) => request.range);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[2]).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-(\d+)$/.exec(ranges[1] ?? '')?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(CUT_AFTER_BYTES);
    expect(ranges[1]).toBe(`bytes=${resumedFrom}-${SAMPLE_UNET_DATA_BYTES - 1}`);
    await expectFolderMatches(join(modelsDir, 'tiny'), wanted);
  });

  const corruptions = [
    { file: UNET_DATA, algorithm: 'sha256' },
    { file: 'scheduler/scheduler_config.json', algorithm: 'git-blob-sha1' },
  ];

  it.each(corruptions)('fails on a corrupt $file ($algorithm), naming it, and removes it', async ({ file, algorithm }) => {
    const server = await startHub();
    server.corrupt(file);
    const result = await runCli([REPO, '--name', 'tiny']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: ${algorithm} mismatch`);
    expect(result.stderr).toContain('the corrupt file was removed');
    const target = join(modelsDir, 'tiny', file);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it('keeps files already in place and fetches again only the one that changed', async () => {
    const server = await startHub();
    expect((await runCli([REPO, '--name', 'tiny'])).code).toBe(0);
    const damaged = join(modelsDir, 'tiny', 'vae_decoder/model.onnx');
    await writeFile(damaged, Buffer.alloc((await stat(damaged)).size, 7));
    const before = server.requests.length;

    const again = await runCli([REPO, '--name', 'tiny']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/1 downloaded, \d+ already present/);
    const fetched = server.requests.slice(before).filter((request) => request.path.includes('/resolve/') && request.range !== 'bytes=0-0');
    expect(fetched.map((request) => request.path)).toEqual([`/${REPO}/resolve/${FAKE_HUB_COMMIT}/vae_decoder/model.onnx`]);
    await expectFolderMatches(join(modelsDir, 'tiny'), wanted);
  });

  it('sends HF_TOKEN and says what to do when the Hub wants one', async () => {
    const server = await startHub(undefined, { requireToken: TOKEN });
    const refused = await runCli([REPO, '--name', 'tiny']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 401');
    expect(refused.stderr).toContain('set HF_TOKEN');

    const allowed = await runCli([REPO, '--name', 'tiny'], { HF_TOKEN: TOKEN });
    expect(allowed.code).toBe(0);
    expect(server.requests.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('takes the export from --subfolder at --revision', async () => {
    const commit = 'fedcba9876543210fedcba9876543210fedcba98';
    await startHub([{ id: REPO, commit, files: [...toHubFiles(sampleModelFiles(), 'onnx/'), ...toHubFiles(foreignFiles())] }]);
    const result = await runCli([REPO, '--subfolder', 'onnx', '--revision', commit]);
    expect(result.code).toBe(0);
    await expectFolderMatches(join(modelsDir, 'tiny-sd'), sampleModelFiles());
  });

  it('refuses a repo that is not an ONNX export before fetching anything', async () => {
    const partial = new Map(sampleModelFiles());
    partial.delete('unet/model.onnx');
    partial.delete('vae_decoder/model.onnx');
    const server = await startHub([{ id: REPO, files: toHubFiles(partial) }]);
    const result = await runCli([REPO]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing unet/model.onnx, vae_decoder/model.onnx');
    expect(result.stderr).toContain('optimum-cli export onnx');
    expect(server.requests.filter((request) => request.path.includes('/resolve/'))).toEqual([]);
  });

  it('names the repo when it does not exist', async () => {
    await startHub();
    const result = await runCli(['acme/no-such-model']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('acme/no-such-model@main');
    expect(result.stderr).toContain('was not found (HTTP 404)');
  });

  it('downloads a real ONNX export (an oracle model) that onnxruntime then opens with --check', async () => {
    const source = join(modelsDir, 'source');
    await writeOracleModel(source, { hiddenSize: 1024, externalData: true, vaeEncoder: 'latent_sample' });
    const files = await readRepoFiles(source);
    expect(files.map((file) => file.path)).toContain(UNET_DATA);
    await startHub([{ id: REPO, files: [...files, ...toHubFiles(foreignFiles())] }]);

    const result = await runCli([REPO, '--name', 'oracle', '--check']);
    expect(result.stderr).not.toContain('failed');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('onnxruntime opened every part: kind sd2, native size');
    await expectFolderMatches(join(modelsDir, 'oracle'), new Map(files.map((file) => [file.path, file.data])));
  });

  it('runs as `npm run model:download -- <preset>` with HF_ENDPOINT and MODELS_DIR', async () => {
    await startHub([{ id: 'jdp8/sd-turbo-onnx', files: toHubFiles(sampleModelFiles()) }]);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/ops/model-download.ts', 'sd-turbo'], {
      cwd: REPO_ROOT,
      env: { ...process.env, HF_ENDPOINT: hub?.url, MODELS_DIR: modelsDir, HF_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).toContain('jdp8/sd-turbo-onnx@main');
    expect(code).toBe(0);
    expect(stdout).toContain('sd-turbo: ready in');
    await expectFolderMatches(join(modelsDir, 'sd-turbo'), sampleModelFiles());
  });
});
