// JOB_QUEUE=local survives the bot being killed: a bot process (the playground in front of the job
// service on a SQLite state file, the fake worker behind it) is SIGKILLed with one job running and
// two waiting. Started again on the same data, it runs them all, in their order, and each result
// lands once, with its own seed, in the message that showed the job before the crash.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tsxExecArgv } from '../../../src/pipeline/ipc/worker-process.js';

const HOST = fileURLToPath(new URL('../../fixtures/fake-worker/playground-bot-host.ts', import.meta.url));
const RUN_TIMEOUT_MS = 60_000;
const SEEDS = [
  ['fox', '11'],
  ['owl', '12'],
  ['cat', '13'],
] as const;

interface HostLine {
  readonly event: 'ready' | 'typed' | 'upsert' | 'saved' | 'stopped';
  readonly resumed?: string[];
  readonly jobIds?: string[];
  readonly id?: string;
  readonly jobId?: string;
  readonly tone?: string;
  readonly text?: string;
  readonly seed?: string;
  readonly images?: number;
}

interface Run {
  readonly lines: HostLine[];
  readonly exited: Promise<number | null>;
  until(condition: (lines: readonly HostLine[]) => boolean, what: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-restart-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runHost(commands: ReadonlyArray<{ user: string; text: string }>): Run {
  const child = spawn(process.execPath, [...tsxExecArgv(), HOST, join(dir, 'data'), JSON.stringify(commands)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: HostLine[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    lines.push(JSON.parse(text) as HostLine);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    lines,
    exited,
    kill: (signal) => child.kill(signal),
    until(condition, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; last lines: ${JSON.stringify(lines.slice(-5))}`));
        }, RUN_TIMEOUT_MS);
        const check = (): void => {
          if (!condition(lines)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        void exited.then(() => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`the bot exited before ${what}; last lines: ${JSON.stringify(lines.slice(-5))}`));
        });
        check();
      });
    },
  };
}

/** The latest state of each job's message, by message id. */
function jobMessages(lines: readonly HostLine[]): Map<string, HostLine> {
  const latest = new Map<string, HostLine>();
  for (const line of lines) if (line.event === 'upsert' && line.id !== undefined && line.jobId !== undefined) latest.set(line.id, line);
  return latest;
}

/** Upserts that carry a job's images: one per delivery. */
function deliveries(lines: readonly HostLine[]): HostLine[] {
  const seen = new Set<string>();
  return lines.filter((line) => {
    if (line.event !== 'upsert' || (line.images ?? 0) === 0 || line.id === undefined) return false;
    // An edit of a message that already shows images (a reaction, say) is not a new delivery.
    if (seen.has(line.id)) return false;
    seen.add(line.id);
    return true;
  });
}

describe('JOB_QUEUE=local across a SIGKILL of the bot (SQLite state)', () => {
  it('resumes the running and the waiting jobs and delivers each once, with its seed, to its own message', async () => {
    const first = runHost([
      { user: 'ann', text: '/imagine running fox delay:100 --seed 11 --steps 40' },
      { user: 'bob', text: '/imagine waiting owl --seed 12 --steps 3' },
      { user: 'cid', text: '/imagine waiting cat --seed 13 --steps 3' },
    ]);
    // Killed once the first job is in progress and the saved channel shows all three jobs.
    await first.until((lines) => {
      const shown = [...jobMessages(lines).values()];
      if (shown.length !== 3 || !shown.some((line) => /Step \d+\/40/.test(line.text ?? ''))) return false;
      const jobIds = shown.map((line) => line.jobId);
      return lines.some((line) => line.event === 'saved' && jobIds.every((jobId) => jobId !== undefined && line.jobIds?.includes(jobId)));
    }, 'three job messages, the first one in progress, saved');
    first.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const before = jobMessages(first.lines);
    expect(deliveries(first.lines)).toEqual([]);
    // Each message names its prompt, and each prompt asked for its own seed.
    const seedOf = new Map([...before.values()].map((line) => [line.id ?? '', SEEDS.find(([animal]) => line.text?.includes(animal))?.[1]]));

    const second = runHost([]);
    await second.until((lines) => deliveries(lines).length >= 3, 'three results');
    // Anything posted twice would arrive right behind the first: give it the time to show.
    await new Promise((resolve) => setTimeout(resolve, 500));
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const ready = second.lines.find((line) => line.event === 'ready');
    expect(ready?.resumed).toEqual([...before.values()].map((line) => line.jobId));
    const delivered = deliveries(second.lines);
    // Each in the message that showed it before the crash, once, with the seed it was asked for.
    expect(delivered.map((line) => line.id).sort()).toEqual([...before.keys()].sort());
    for (const line of delivered) {
      expect(line.seed).toBe(seedOf.get(line.id ?? ''));
      expect(line.tone).toBe('normal');
    }
    // The job that was running went first again; the waiting ones kept their order. Read from the
    // order the jobs started in (their first step or result on screen): with one worker a job
    // starts only after the one before it is done, while the posting of results may overlap.
    const startOrder: string[] = [];
    for (const line of second.lines) {
      if (line.event !== 'upsert' || line.id === undefined || startOrder.includes(line.id)) continue;
      if (/Step \d+\//.test(line.text ?? '') || (line.images ?? 0) > 0) startOrder.push(line.id);
    }
    expect(startOrder.map((id) => seedOf.get(id))).toEqual(['11', '12', '13']);
  });
});
