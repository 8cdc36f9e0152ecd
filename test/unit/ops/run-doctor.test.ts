import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderProbe } from '../../../src/pipeline/onnx/probe-providers.js';
import type { ExecutionProviderName } from '../../../src/pipeline/types.js';
import type { DoctorRow } from '../../../src/ops/doctor/doctor-row.js';
import { runDoctor } from '../../../src/ops/doctor/run-doctor.js';
import { sampleModelFiles, writeFiles } from '../../e2e/fake-hub/sample-model.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import {
  GOOD_DISCORD_TOKEN,
  GOOD_SLACK_APP_TOKEN,
  GOOD_SLACK_BOT_TOKEN,
  REDIS_PASSWORD,
  startFakePlatforms,
  startFakeRedis,
} from './support/fake-platforms.js';
import type { FakePlatforms, FakeRedis } from './support/fake-platforms.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

let platforms: FakePlatforms;
let redis: FakeRedis;
let work: string;

beforeAll(async () => {
  platforms = await startFakePlatforms();
  redis = await startFakeRedis();
});
afterAll(async () => {
  await platforms.close();
  await redis.close();
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagine-doctor-'));
  return () => rm(work, { recursive: true, force: true });
});

/** Only cpu starts, as on a machine without GPU drivers. */
const cpuOnly = async (provider: ExecutionProviderName): Promise<ProviderProbe> =>
  provider === 'cpu' ? { provider, ok: true, elapsedMs: 3 } : { provider, ok: false, error: 'Failed to get a WebGPU adapter: No supported adapters', elapsedMs: 1 };

async function addModel(name: string, extra: ReadonlyMap<string, Uint8Array> = new Map()): Promise<void> {
  await writeFiles(join(work, 'models', name), new Map([...sampleModelFiles(), ...extra]));
}

function healthyEnv(): NodeJS.ProcessEnv {
  return {
    MODELS_DIR: join(work, 'models'),
    DATA_DIR: join(work, 'data'),
    REDIS_URL: `redis://default:${REDIS_PASSWORD}@127.0.0.1:${redis.port}/0`,
    DISCORD_TOKEN: GOOD_DISCORD_TOKEN,
    DISCORD_API_BASE: platforms.discordApiBase,
    SLACK_BOT_TOKEN: GOOD_SLACK_BOT_TOKEN,
    SLACK_APP_TOKEN: GOOD_SLACK_APP_TOKEN,
    SLACK_API_URL: platforms.slackApiUrl,
  };
}

async function doctor(env: NodeJS.ProcessEnv, probe = cpuOnly, full = false) {
  let output = '';
  const result = await runDoctor(env, { stdout: { write: (text: string) => (output += text) } }, { probe, full });
  const row = (check: string): DoctorRow | undefined => result.rows.find((candidate) => candidate.check === check);
  return { ...result, output, row };
}

describe('runDoctor', () => {
  it('passes a complete setup and prints every check in one table', async () => {
    await addModel('sd-turbo');
    const result = await doctor(healthyEnv());

    expect(result.rows.filter((row) => row.status === 'fail')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.row('provider cpu')).toMatchObject({ status: 'ok', detail: 'starts (3 ms), configured' });
    expect(result.row('provider webgpu')?.detail).toContain('install a Vulkan driver');
    expect(result.row('model sd-turbo')).toMatchObject({ status: 'ok' });
    expect(result.row('model sd-turbo')?.detail).toContain('Turbo (SD2), layout complete, default');
    expect(result.row('data directory')?.status).toBe('ok');
    expect(result.row('redis')).toMatchObject({ status: 'ok' });
    expect(result.row('discord')).toMatchObject({ status: 'ok', detail: 'token valid for bot imagine (1012345678901234567)' });
    expect(result.row('slack')).toMatchObject({ status: 'ok', detail: 'SLACK_BOT_TOKEN valid (auth.test for imagine in Acme)' });
    expect(result.row('slack socket mode')?.status).toBe('ok');
    expect(result.output).toMatch(/^CHECK +STATUS +DETAILS\n/);
    expect(result.output).toMatch(/\ndiscord +ok +token valid/);
    expect(result.output).toContain('Everything the configured setup needs is in place.');
    for (const secret of [GOOD_DISCORD_TOKEN, GOOD_SLACK_BOT_TOKEN, GOOD_SLACK_APP_TOKEN, REDIS_PASSWORD]) expect(result.output).not.toContain(secret);
  });

  const failures: ReadonlyArray<{ name: string; env: NodeJS.ProcessEnv; check: string; detail: string }> = [
    { name: 'a rejected Discord token', env: { DISCORD_TOKEN: 'MTAx.bad.token' }, check: 'discord', detail: 'DISCORD_TOKEN was rejected (401 Unauthorized): reset it in the Developer Portal' },
    { name: 'a rejected Slack bot token', env: { SLACK_BOT_TOKEN: 'xoxb-wrong' }, check: 'slack', detail: 'SLACK_BOT_TOKEN was rejected by auth.test (invalid_auth): the token is wrong or was revoked' },
    { name: 'a rejected Slack app token', env: { SLACK_APP_TOKEN: 'xapp-wrong' }, check: 'slack socket mode', detail: 'SLACK_APP_TOKEN was rejected by apps.connections.open (invalid_auth)' },
    { name: 'a wrong Redis password', env: { REDIS_URL: 'redis://default:nope@127.0.0.1:PORT' }, check: 'redis', detail: 'WRONGPASS invalid username-password pair' },
    { name: 'Redis without credentials', env: { REDIS_URL: 'redis://127.0.0.1:PORT' }, check: 'redis', detail: 'NOAUTH Authentication required.' },
    { name: 'an unreachable Redis', env: { REDIS_URL: 'redis://127.0.0.1:1' }, check: 'redis', detail: 'ECONNREFUSED' },
    { name: 'an unreachable Discord API', env: { DISCORD_API_BASE: 'http://127.0.0.1:1/api' }, check: 'discord', detail: 'cannot reach http://127.0.0.1:1/api' },
    { name: 'an unknown provider', env: { ONNX_PROVIDER: 'rocm' }, check: 'ONNX_PROVIDER', detail: '"rocm" is not a provider: use one of cpu, webgpu, cuda' },
    { name: 'a configured provider that does not start', env: { ONNX_PROVIDER: 'webgpu' }, check: 'provider webgpu', detail: 'configured (ONNX_PROVIDER) but does not start: no WebGPU adapter' },
    { name: 'an unknown default model', env: { DEFAULT_MODEL: 'sdxl' }, check: 'DEFAULT_MODEL', detail: '"sdxl" is not among the models (sd-turbo)' },
    { name: 'a missing model folder', env: { MODELS: 'sd-turbo,sd15' }, check: 'model sd15', detail: 'model_index.json is missing' },
  ];

  it.each(failures)('fails on $name, naming the problem', async ({ env, check, detail }) => {
    await addModel('sd-turbo');
    const merged = { ...healthyEnv(), ...env };
    if (merged.REDIS_URL !== undefined) merged.REDIS_URL = merged.REDIS_URL.replace('PORT', String(redis.port));
    const result = await doctor(merged);
    expect(result.ok).toBe(false);
    expect(result.row(check)?.status).toBe('fail');
    expect(result.row(check)?.detail).toContain(detail);
    expect(result.output).toMatch(/\d+ problems? \(FAIL above\)/);
  });

  it('fails when the data directory cannot be written', async () => {
    await addModel('sd-turbo');
    await writeFile(join(work, 'a-file'), 'x');
    const result = await doctor({ ...healthyEnv(), DATA_DIR: join(work, 'a-file', 'data') });
    expect(result.ok).toBe(false);
    expect(result.row('data directory')?.detail).toMatch(/is not writable \(ENOTDIR\): give the bot's user write access or set DATA_DIR/);
  });

  it('fails without any model and says how to get one', async () => {
    const result = await doctor(healthyEnv());
    expect(result.ok).toBe(false);
    expect(result.row('models')?.detail).toContain('npm run model:download -- sd-turbo');
  });

  it('accepts a configured provider that falls back to cpu, with a warning', async () => {
    await addModel('sd-turbo');
    const result = await doctor({ ...healthyEnv(), ONNX_PROVIDER: 'cuda', ONNX_ALLOW_CPU_FALLBACK: 'true' });
    expect(result.ok).toBe(true);
    expect(result.row('provider cuda')?.status).toBe('warn');
    expect(result.output).toMatch(/\nprovider cuda +WARN +configured but does not start, so the bot will use cpu/);
  });

  it('tells model kinds apart from their configs', async () => {
    const hidden = (size: number) => new Map([['text_encoder/config.json', json({ hidden_size: size })]]);
    await addModel('sd15', hidden(768));
    await addModel('sd21', hidden(1024));
    await addModel('dreamshaper-lcm', new Map([['unet/config.json', json({ time_cond_proj_dim: 256 })]]));
    await addModel('my-model');
    await addModel('juggernaut-xl', new Map([
      ['text_encoder_2/model.onnx', new Uint8Array(8)],
      ['tokenizer_2/vocab.json', json({})],
      ['tokenizer_2/merges.txt', new Uint8Array()],
    ]));
    const result = await doctor({ ...healthyEnv(), DEFAULT_MODEL: 'sd21' });
    const kinds = Object.fromEntries(result.rows.filter((row) => row.check.startsWith('model ')).map((row) => [row.check.slice('model '.length), row.detail.split(': ')[1]]));
    expect(kinds).toEqual({
      'dreamshaper-lcm': 'LCM, layout complete (--full opens the graphs)',
      'juggernaut-xl': 'XL, layout complete (--full opens the graphs)',
      'my-model': 'SD1 or SD2, layout complete (--full opens the graphs)',
      sd15: 'SD1, layout complete (--full opens the graphs)',
      sd21: 'SD2, layout complete, default (--full opens the graphs)',
    });
  });

  it('opens every graph with --full: a real export passes, stand-in bytes fail naming the file', async () => {
    await writeOracleModel(join(work, 'models', 'oracle'), { hiddenSize: 1024 });
    await addModel('broken');
    const result = await doctor(healthyEnv(), cpuOnly, true);
    expect(result.row('model oracle')).toMatchObject({ status: 'ok' });
    expect(result.row('model oracle')?.detail).toContain('SD2, every graph opens');
    expect(result.row('model broken')?.status).toBe('fail');
    expect(result.row('model broken')?.detail).toMatch(/broken\/(unet|text_encoder)\/model\.onnx: onnxruntime could not load it/);
    expect(result.ok).toBe(false);
  });

  it('reads MODELS as names under MODELS_DIR or name=path pairs', async () => {
    await addModel('sd-turbo');
    await writeFiles(join(work, 'elsewhere'), sampleModelFiles());
    const result = await doctor({ ...healthyEnv(), MODELS: `sd-turbo, custom=${join(work, 'elsewhere')}` });
    expect(result.ok).toBe(true);
    expect(result.row('model custom')?.detail).toContain(join(work, 'elsewhere'));
  });

  it('says the playground will start when no platform is configured', async () => {
    await addModel('sd-turbo');
    const { DISCORD_TOKEN: _d, SLACK_BOT_TOKEN: _s, SLACK_APP_TOKEN: _a, ...rest } = healthyEnv();
    const result = await doctor(rest);
    expect(result.ok).toBe(true);
    expect(result.row('discord')?.status).toBe('off');
    expect(result.row('platforms')?.detail).toContain('npm start opens the local playground');
  });
});

describe('npm run doctor', () => {
  it('exits 1 with the table when a token is bad, probing onnxruntime for real', async () => {
    await addModel('sd-turbo');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/ops/doctor.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...healthyEnv(), DISCORD_TOKEN: 'MTAx.bad.token', ONNX_PROVIDER: 'cpu' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stdout).toMatch(/\nprovider cpu +ok +starts \(\d+ ms\), configured/);
    expect(stdout).toMatch(/\ndiscord +FAIL +DISCORD_TOKEN was rejected/);
    expect(code).toBe(1);
  });
});
