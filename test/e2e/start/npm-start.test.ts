// `npm start` as an operator runs it: the real composition root in its own process, with an
// oracle model folder, no platform tokens (so the playground comes up), a first start that
// downloads its model from a (local) Hub, clear configuration errors, and a clean SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MODEL_PRESETS } from '../../../src/ops/model-presets.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import { startFakeHub, type FakeHub } from '../fake-hub/fake-hub.js';
import { readRepoFiles } from '../fake-hub/hub-files.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;

interface Started {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

function startBotProcess(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bot/main.ts'], {
    cwd: REPO_ROOT,
    // A clean environment: nothing from the developer's shell leaks into the bot's configuration.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = START_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() =>
          setTimeout(() => {
            if (!listeners.has(check)) return;
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`exited before ${pattern}:\n${output}`));
          }, 50),
        );
        check();
      });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function healthOf(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('npm start', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'imagine-start-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  function track(started: Started): Started {
    cleanups.push(async () => {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
      await started.exited;
    });
    return started;
  }

  it('lists every invalid variable at once, with what is allowed, and exits 2 without a stack trace', async () => {
    const dir = await tempDir();
    const bot = track(
      startBotProcess({ DATA_DIR: join(dir, 'data'), MODELS_DIR: dir, ONNX_PROVIDER: 'tpu', QUEUE_MAX_LENGTH: 'lots', DISCORD_TOKEN: 'abc', LOG_LEVEL: 'loud' }),
    );
    expect(await bot.exited).toBe(2);
    const output = bot.output();
    expect(output).toMatch(/ONNX_PROVIDER="tpu": must be one of cpu, webgpu, cuda/);
    expect(output).toMatch(/QUEUE_MAX_LENGTH="lots": must be a whole number/);
    expect(output).toMatch(/DISCORD_APPLICATION_ID/);
    expect(output).toMatch(/LOG_LEVEL/);
    expect(output).toContain('.env.example');
    expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });

  it('with a model and no tokens brings up the playground, reports a ready worker, and stops cleanly on SIGTERM', async () => {
    const dir = await tempDir();
    await writeOracleModel(join(dir, 'models', 'oracle'));
    const metricsPort = await freePort();
    const bot = track(
      startBotProcess({ DATA_DIR: join(dir, 'data'), MODELS_DIR: join(dir, 'models'), PLAYGROUND_PORT: '0', METRICS_PORT: String(metricsPort), SHUTDOWN_GRACE_SECONDS: '5' }),
    );
    const [, url] = await bot.waitFor(/Playground: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
    await bot.waitFor(/imagine is running/);
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const withoutToken = await fetch(url!.replace(/\?token=.*/, ''));
    expect(withoutToken.status).toBe(403);
    const health = await healthOf(metricsPort);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ state: 'ready', model: 'oracle', provider: 'cpu' });
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('imagine_');
    expect(bot.output()).toContain('No Discord or Slack credentials');

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  });

  it('on a first start without a model downloads the default preset, then serves it', async () => {
    const dir = await tempDir();
    const source = join(dir, 'source');
    await writeOracleModel(source);
    const preset = MODEL_PRESETS['sd-turbo']!;
    const hub: FakeHub = await startFakeHub({ repos: [{ id: preset.repo, files: await readRepoFiles(source) }] });
    cleanups.push(() => hub.close());
    const metricsPort = await freePort();
    const bot = track(
      startBotProcess({
        DATA_DIR: join(dir, 'data'),
        MODELS_DIR: join(dir, 'models'),
        HF_ENDPOINT: hub.url,
        PLAYGROUND_PORT: '0',
        METRICS_PORT: String(metricsPort),
      }),
    );
    const release = hub.hold('unet/model.onnx');
    await bot.waitFor(/downloading the \\?"sd-turbo\\?" preset/);
    // While the first download runs, /healthz is up and says how far it got.
    let during: { status: number; body: Record<string, unknown> } | undefined;
    for (let tries = 0; tries < 200; tries++) {
      during = await healthOf(metricsPort).catch(() => undefined);
      if ((during?.body['download'] as { totalBytes?: number } | undefined)?.totalBytes) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(during?.status).toBe(200);
    expect(during?.body).toMatchObject({ state: 'downloading', download: { model: 'sd-turbo' } });
    const progress = during?.body['download'] as { doneBytes: number; totalBytes: number; percent: number };
    expect(progress.totalBytes).toBeGreaterThan(0);
    expect(progress.percent).toBeLessThan(100);
    release();
    await bot.waitFor(/sd-turbo: ready in/);
    await bot.waitFor(/imagine is running/);
    expect((await healthOf(metricsPort)).body).toMatchObject({ state: 'ready', model: 'sd-turbo' });
    expect(hub.requests.some((request) => request.path.includes('unet/model.onnx'))).toBe(true);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 120_000);

  it('with AUTO_DOWNLOAD_MODEL=off and no model says how to get one', async () => {
    const dir = await tempDir();
    const bot = track(startBotProcess({ DATA_DIR: join(dir, 'data'), MODELS_DIR: join(dir, 'models'), AUTO_DOWNLOAD_MODEL: 'off' }));
    expect(await bot.exited).toBe(2);
    expect(bot.output()).toContain('npm run model:download -- sd-turbo');
  });
});
