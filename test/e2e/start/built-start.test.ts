// The production path: `npm run build` emits JavaScript plus the playground's page, and
// `node dist/bot/main.js` runs it with no tsx: the worker starts from its built `.js` file.
// The build goes to a throwaway folder inside the project (so node_modules resolves from it);
// type errors are the first half of `npm test`, so this emit skips the check to stay quick.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOracleModel } from '../../fixtures/oracle/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

function waitFor(child: ChildProcess, read: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = read().match(pattern);
      if (!match) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve(match);
    };
    const poll = setInterval(check, 50);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`timed out waiting for ${pattern}:\n${read()}`));
    }, timeoutMs);
    child.once('exit', () => setTimeout(() => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`exited before ${pattern}:\n${read()}`));
    }, 100));
  });
}

describe('npm run build && node dist/bot/main.js', () => {
  let outDir = '';
  let work = '';

  beforeAll(async () => {
    await mkdir(join(REPO_ROOT, '.cache'), { recursive: true });
    outDir = await mkdtemp(join(REPO_ROOT, '.cache', 'build-test-'));
    work = await mkdtemp(join(tmpdir(), 'imagine-built-'));
    const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--outDir', outDir, '--noCheck'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    const copy = spawnSync(process.execPath, ['scripts/copy-static-assets.mjs', outDir], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(copy.status, copy.stderr).toBe(0);
    await writeOracleModel(join(work, 'models', 'oracle'));
  }, 180_000);

  afterAll(async () => {
    if (outDir !== '') await rm(outDir, { recursive: true, force: true });
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('emits the bot, the worker and the playground page, with no TypeScript left to load', () => {
    for (const file of ['bot/main.js', 'pipeline/worker/worker.js', 'ops/doctor.js', 'ops/model-download.js', 'bot/playground/public/index.html', 'bot/playground/public/app.js']) {
      expect(existsSync(join(outDir, file)), file).toBe(true);
    }
    expect(existsSync(join(outDir, 'bot/main.ts'))).toBe(false);
  });

  it('starts the playground and a ready worker without tsx, and stops on SIGTERM', async () => {
    const metricsPort = await freePort();
    const child = spawn(process.execPath, [join(outDir, 'bot', 'main.js')], {
      cwd: work,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        LOG_LEVEL: 'info',
        DATA_DIR: join(work, 'data'),
        MODELS_DIR: join(work, 'models'),
        PLAYGROUND_PORT: '0',
        METRICS_PORT: String(metricsPort),
        SHUTDOWN_GRACE_SECONDS: '5',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const [, url] = await waitFor(child, () => output, /Playground: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      await waitFor(child, () => output, /imagine is running/);
      const page = await fetch(url ?? '');
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      expect(await health.json()).toMatchObject({ state: 'ready', model: 'oracle', provider: 'cpu' });
      expect(output).not.toMatch(/tsx|ERR_UNKNOWN_FILE_EXTENSION/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
