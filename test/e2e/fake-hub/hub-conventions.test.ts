// Hugging Face conventions against the local Hub: the token `hf auth login` saved, HF_HUB_OFFLINE,
// the download manifest (repo, commit, sizes, sha256) that doctor checks, and `--check` on the
// default preset's documented layout.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModels } from '../../../src/ops/doctor/check-models.js';
import type { DoctorSettings } from '../../../src/ops/doctor/doctor-settings.js';
import { MANIFEST_FILE, type DownloadManifest } from '../../../src/ops/download-manifest.js';
import { MODEL_PRESETS } from '../../../src/ops/model-presets.js';
import { runModelDownload } from '../../../src/ops/run-model-download.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import { FAKE_HUB_COMMIT, startFakeHub, type FakeHub } from './fake-hub.js';
import { readRepoFiles, type HubFile } from './hub-files.js';

const TOKEN = 'hf_savedByHfAuthLogin0123456789abcdef';
const PRESET = MODEL_PRESETS['sd-turbo']!;
const BROKEN_REPO = 'acme/no-unet';

let work = '';
let hub: FakeHub;
let files: HubFile[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagine-hub-conventions-'));
  await writeOracleModel(join(work, 'source'));
  files = await readRepoFiles(join(work, 'source'));
  hub = await startFakeHub({
    repos: [
      { id: PRESET.repo, files },
      { id: BROKEN_REPO, files: files.filter((file) => !file.path.startsWith('unet/')) },
    ],
    requireToken: TOKEN,
  });
  // What `hf auth login` leaves behind.
  await mkdir(join(work, 'hf-home'), { recursive: true });
  await writeFile(join(work, 'hf-home', 'token'), `${TOKEN}\n`);
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text), isTTY: false } };
  const code = await runModelDownload(args, { HF_ENDPOINT: hub.url, MODELS_DIR: join(work, 'models'), HF_HOME: join(work, 'hf-home'), ...env }, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('Hugging Face conventions', () => {
  it('downloads the default preset with the saved token, records a manifest, and --check passes on its layout', async () => {
    const result = await run(['sd-turbo', '--check']);
    expect(result.stderr).not.toContain('failed');
    expect(result.code).toBe(0);
    expect(hub.requests.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(result.stdout).toMatch(/files match their size and sha256/);
    expect(result.stdout).toContain('onnxruntime opened every part');

    const manifest = JSON.parse(await readFile(join(work, 'models', 'sd-turbo', MANIFEST_FILE), 'utf8')) as DownloadManifest;
    expect(manifest).toMatchObject({ repo: PRESET.repo, revision: 'main', commit: FAKE_HUB_COMMIT, hubUrl: hub.url });
    const unet = files.find((file) => file.path === 'unet/model.onnx');
    expect(manifest.files.find((file) => file.path === 'unet/model.onnx')).toEqual({
      path: 'unet/model.onnx',
      size: unet?.data.length,
      sha256: createHash('sha256').update(unet?.data ?? new Uint8Array()).digest('hex'),
    });
    expect(manifest.files.map((file) => file.path).sort()).toEqual(files.map((file) => file.path).filter((path) => !path.endsWith('.md')).sort());
  });

  it('lets doctor notice a file that changed since the download', async () => {
    const settings: DoctorSettings = { modelsDir: join(work, 'models'), provider: 'cpu', allowCpuFallback: false, jobQueue: 'local', dataDir: join(work, 'data'), discordApiBase: 'http://127.0.0.1:9', slackApiUrl: 'http://127.0.0.1:9' };
    const [healthy] = await checkModels(settings);
    expect(healthy).toMatchObject({ status: 'ok' });
    expect(healthy?.detail).toContain(`matches its download ${PRESET.repo}@${FAKE_HUB_COMMIT.slice(0, 12)}`);

    const config = join(work, 'models', 'sd-turbo', 'scheduler', 'scheduler_config.json');
    const original = await readFile(config);
    await writeFile(config, Buffer.concat([original, Buffer.from(' ')]));
    const [changed] = await checkModels(settings);
    expect(changed?.status).toBe('fail');
    expect(changed?.detail).toMatch(/scheduler\/scheduler_config\.json is \d+ bytes, the download had \d+/);
    await writeFile(config, original);
  });

  it('with HF_HUB_OFFLINE asks the Hub nothing: a complete folder is fine, a missing one is explained', async () => {
    const before = hub.requests.length;
    const present = await run(['sd-turbo'], { HF_HUB_OFFLINE: '1' });
    expect(present.code).toBe(0);
    expect(present.stdout).toContain('HF_HUB_OFFLINE is set');
    const missing = await run(['sd15'], { HF_HUB_OFFLINE: 'true' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/HF_HUB_OFFLINE is set and .*sd15 is not usable \(it was never fully downloaded\)/);
    expect(hub.requests.length).toBe(before);
  });

  it('refuses a repo that lacks the documented layout, naming what is missing', async () => {
    const result = await run(['sd-turbo', '--repo', BROKEN_REPO, '--name', 'broken', '--check']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not a complete ONNX Stable Diffusion export: missing unet\/model\.onnx/);
  });
});
