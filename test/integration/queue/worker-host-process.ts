// Runs the fake worker host (test/fixtures/fake-worker/fake-worker-host.ts) as its own process, so
// tests can SIGKILL it mid-job as a lost host would be, or SIGTERM it to drain.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { tsxExecArgv } from '../../../src/pipeline/ipc/worker-process.js';
import type { FakeBehaviour } from '../../fixtures/fake-worker/fake-model.js';

const SCRIPT = new URL('../../fixtures/fake-worker/fake-worker-host.ts', import.meta.url);

export interface WorkerHostProcess {
  readonly name: string;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Lines the host printed (its own JSON events and the log). */
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface WorkerHostSetup {
  readonly redisUrl: string;
  readonly name: string;
  readonly lockSeconds?: number;
  readonly concurrency?: number;
  readonly behaviour?: Partial<FakeBehaviour>;
  readonly graceSeconds?: number;
  /** LOG_LEVEL of the host; `info` prints a line per job started and finished. */
  readonly logLevel?: string;
}

export async function startWorkerHostProcess(setup: WorkerHostSetup): Promise<WorkerHostProcess> {
  const child = spawn(process.execPath, [...tsxExecArgv(), SCRIPT.pathname], {
    env: {
      PATH: process.env['PATH'] ?? '',
      REDIS_URL: setup.redisUrl,
      WORKER_NAME: setup.name,
      WORKER_LOCK_SECONDS: String(setup.lockSeconds ?? 30),
      WORKER_CONCURRENCY: String(setup.concurrency ?? 1),
      SHUTDOWN_GRACE_SECONDS: String(setup.graceSeconds ?? 10),
      FAKE_BEHAVIOUR: JSON.stringify(setup.behaviour ?? {}),
      LOG_LEVEL: setup.logLevel ?? process.env['TEST_WORKER_LOG'] ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"event":"ready"')) resolve();
    });
    void exited.then((code) => reject(new Error(`worker host ${setup.name} exited with ${code} before it was ready: ${stderr}`)));
  });
  return {
    name: setup.name,
    child,
    lines,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
