import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tsxExecArgv } from '../../../../src/pipeline/ipc/worker-process.js';
import { GracefulShutdown } from '../../../../src/bot/core/shutdown.js';

const HOST = fileURLToPath(new URL('../../../fixtures/fake-worker/service-host.ts', import.meta.url));

interface HostLine {
  readonly event?: string;
  readonly workerPid?: number;
  readonly job?: number;
  readonly type?: string;
  readonly code?: string;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-shutdown-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the host, sends `signal` once job 0 has started, and collects its output and exit. */
async function runHost(graceMs: number, jobs: ReadonlyArray<{ user: string; prompt: string; steps: number }>, signal: NodeJS.Signals = 'SIGTERM') {
  const child = spawn(process.execPath, [...tsxExecArgv(), HOST, join(dir, `data-${graceMs}`), String(graceMs), JSON.stringify(jobs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: HostLine[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as HostLine;
    lines.push(line);
    if (line.job === 0 && line.type === 'started') child.kill(signal);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  return { code, lines };
}

function endingOf(lines: readonly HostLine[], job: number): string | undefined {
  const line = lines.find((candidate) => candidate.job === job && (candidate.type === 'succeeded' || candidate.type === 'failed'));
  return line === undefined ? undefined : (line.code ?? line.type);
}

/** Running, as opposed to gone or a zombie nobody has reaped yet (containers without an init). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

describe('shutdown on SIGTERM (real process)', () => {
  it('finishes the running job within the grace period, interrupts the queued ones, stops the worker and exits 0', async () => {
    const { code, lines } = await runHost(10_000, [
      { user: 'a', prompt: 'running', steps: 10 },
      { user: 'b', prompt: 'queued one', steps: 10 },
      { user: 'c', prompt: 'queued two', steps: 10 },
    ]);
    expect(code).toBe(0);
    expect([0, 1, 2].map((job) => endingOf(lines, job))).toEqual(['succeeded', 'interrupted', 'interrupted']);
    expect(lines.some((line) => line.job === 1 && line.type === 'started')).toBe(false);
    expect(lines.at(-1)).toMatchObject({ event: 'stopped', reason: 'SIGTERM' });
    const workerPid = lines.find((line) => line.event === 'ready')?.workerPid;
    expect(workerPid !== undefined && isAlive(workerPid)).toBe(false);
  });

  it('interrupts a job that outlasts the grace period and still exits 0', async () => {
    const { code, lines } = await runHost(200, [{ user: 'a', prompt: 'too long', steps: 500 }]);
    expect(code).toBe(0);
    expect(endingOf(lines, 0)).toBe('interrupted');
  });
});

describe('a bot killed outright (SIGKILL)', () => {
  it('takes its worker with it', async () => {
    const { code, lines } = await runHost(10_000, [{ user: 'a', prompt: 'running', steps: 500 }], 'SIGKILL');
    expect(code).toBeNull();
    const workerPid = lines.find((line) => line.event === 'ready')?.workerPid ?? 0;
    const deadline = Date.now() + 10_000;
    while (isAlive(workerPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(workerPid)).toBe(false);
  });
});

describe('GracefulShutdown', () => {
  it('runs once, closes in order even when one closer fails, and resolves done', async () => {
    const calls: string[] = [];
    const shutdown = new GracefulShutdown({
      service: { shutdown: async (graceMs) => void calls.push(`drain ${graceMs}`) },
      graceMs: 1234,
      closers: [
        async () => {
          calls.push('worker');
          throw new Error('worker would not stop');
        },
        async () => void calls.push('stores'),
      ],
    });
    await Promise.all([shutdown.run('test'), shutdown.run('again')]);
    expect(calls).toEqual(['drain 1234', 'worker', 'stores']);
    expect(await shutdown.done).toBe('test');
  });
});
