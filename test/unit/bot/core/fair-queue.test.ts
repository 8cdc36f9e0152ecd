import { describe, expect, it } from 'vitest';
import type { UserKey } from '../../../../src/commands/ports.js';
import { EtaEstimator } from '../../../../src/bot/core/eta-estimator.js';
import { FairQueue } from '../../../../src/bot/core/fair-queue.js';
import type { FairQueueOptions, RunOutcome } from '../../../../src/bot/core/fair-queue.js';
import type { Admission } from '../../../../src/bot/core/ports/job-queue.js';

/** Jobs that run until the test finishes them, recording the order in which they start. */
class Harness {
  readonly queue: FairQueue;
  readonly started: string[] = [];
  readonly positions = new Map<string, Array<[number, number]>>();
  readonly signals = new Map<string, AbortSignal>();
  private readonly finishers = new Map<string, (outcome: RunOutcome) => void>();

  constructor(options: FairQueueOptions = {}) {
    this.queue = new FairQueue({ maxPendingPerUser: 10, ...options });
  }

  /** Adds a job and returns its place; throws when the queue refuses it. */
  add(id: string, user: string, cost = 1) {
    const admission = this.tryAdd(id, user, cost);
    if (!admission.accepted) throw new Error(`refused: ${admission.reason}`);
    return admission.place;
  }

  tryAdd(id: string, user: string, cost = 1) {
    return this.queue.add({
      id,
      user: `discord:${user}` as UserKey,
      cost,
      run: (signal) => {
        this.started.push(id);
        this.signals.set(id, signal);
        return new Promise<RunOutcome>((resolve) => {
          this.finishers.set(id, resolve);
          signal.addEventListener('abort', () => resolve('cancelled'));
        });
      },
      onPosition: (position, etaMs) => {
        const seen = this.positions.get(id) ?? [];
        seen.push([position, etaMs]);
        this.positions.set(id, seen);
      },
    });
  }

  /** Finishes the running job and lets the queue start the next one. */
  async finish(id: string): Promise<void> {
    const finisher = this.finishers.get(id);
    if (finisher === undefined) throw new Error(`${id} is not running`);
    finisher('succeeded');
    await settle();
  }

  async runAll(): Promise<void> {
    await settle();
    for (let guard = 0; guard < 100; guard++) {
      const running = this.started.filter((id) => this.finishers.has(id) && this.queue.placeOf(id)?.status === 'running');
      if (running.length === 0) return;
      for (const id of running) await this.finish(id);
    }
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function refusal(admission: Admission) {
  if (admission.accepted) throw new Error('expected a refusal');
  return admission;
}

describe('FairQueue', () => {
  it.each([
    { name: "a user's second job waits behind others' first", submissions: 'A1 A2 B1', order: 'A1 B1 A2' },
    { name: 'round-robin, not FIFO', submissions: 'A1 A2 A3 B1 B2 C1', order: 'A1 B1 C1 A2 B2 A3' },
    { name: 'everyone behind a running job', submissions: 'X1 A1 A2 B1 B2 C1', order: 'X1 A1 B1 C1 A2 B2' },
    { name: 'a single user keeps FIFO', submissions: 'A1 A2 A3', order: 'A1 A2 A3' },
  ])('$name: $submissions → $order', async ({ submissions, order }) => {
    const harness = new Harness();
    for (const id of submissions.split(' ')) harness.add(id, id.slice(0, 1));
    await harness.runAll();
    expect(harness.started.join(' ')).toBe(order);
  });

  it('puts a newcomer ahead of the second jobs of users who already had a turn', async () => {
    const harness = new Harness();
    harness.add('A1', 'A');
    harness.add('A2', 'A');
    harness.add('B1', 'B');
    await settle();
    await harness.finish('A1'); // B1 runs, A2 waits
    expect(harness.add('C1', 'C')).toMatchObject({ status: 'queued', position: 1 });
    expect(harness.queue.placeOf('A2')?.position).toBe(2);
    await harness.runAll();
    expect(harness.started.join(' ')).toBe('A1 B1 C1 A2');
  });

  it('reports places in line that match the order jobs really start', async () => {
    const harness = new Harness();
    for (const id of ['X1', 'A1', 'A2', 'B1', 'C1', 'B2']) harness.add(id, id.slice(0, 1));
    await settle();
    const waiting = ['A1', 'A2', 'B1', 'C1', 'B2'];
    const byPlace = [...waiting].sort((a, b) => (harness.queue.placeOf(a)?.position ?? 0) - (harness.queue.placeOf(b)?.position ?? 0));
    // A2 was 2nd when it arrived; B1 and C1 overtook it and it heard about each move.
    expect(harness.positions.get('A2')?.map(([position]) => position)).toEqual([3, 4]);
    await harness.runAll();
    expect(harness.started.slice(1)).toEqual(byPlace);
  });

  it('estimates waits from recent step times and the work ahead', async () => {
    const estimator = new EtaEstimator({ defaultMsPerUnit: 1_000 });
    estimator.record(10, 1_000); // 100 ms per unit
    // A frozen clock: the running job's elapsed time would otherwise shave milliseconds off.
    const harness = new Harness({ estimator, now: () => 0 });
    harness.add('run', 'A', 10);
    harness.add('w1', 'B', 20);
    const second = harness.add('w2', 'C', 5);
    expect(second.position).toBe(2);
    expect(second.etaMs).toBe(1_000 + 2_000); // all of the running job (no progress yet) + w1
    await settle();
    harness.queue.progress('run', 0.5);
    expect(harness.queue.placeOf('w2')?.etaMs).toBe(500 + 2_000);
    expect(harness.queue.placeOf('w1')?.etaMs).toBe(500);
  });

  it('tells waiting jobs when their place changes, including after a cancel ahead of them', async () => {
    const harness = new Harness();
    harness.add('X1', 'X');
    harness.add('A1', 'A');
    harness.add('B1', 'B');
    harness.add('C1', 'C');
    await settle();
    expect(harness.queue.cancel('A1')).toBe('removed');
    expect(harness.positions.get('B1')?.at(-1)?.[0]).toBe(1);
    expect(harness.positions.get('C1')?.at(-1)?.[0]).toBe(2);
    await harness.finish('X1');
    expect(harness.positions.get('C1')?.at(-1)?.[0]).toBe(1);
    await harness.runAll();
    expect(harness.started).not.toContain('A1');
  });

  it('aborts a running job through its signal', async () => {
    const harness = new Harness();
    harness.add('A1', 'A');
    harness.add('B1', 'B');
    await settle();
    expect(harness.queue.cancel('A1', 'because')).toBe('aborted');
    expect(harness.signals.get('A1')?.reason).toBe('because');
    await settle();
    expect(harness.started).toEqual(['A1', 'B1']);
    expect(harness.queue.cancel('nope')).toBeUndefined();
  });

  it('refuses with queue_full, saying when a place frees up', async () => {
    const estimator = new EtaEstimator({ defaultMsPerUnit: 100 });
    const harness = new Harness({ maxLength: 2, estimator });
    harness.add('run', 'A', 40); // 4 s of work
    harness.add('w1', 'B');
    harness.add('w2', 'C');
    await settle();
    const error = refusal(harness.tryAdd('w3', 'D'));
    expect(error.reason).toBe('queue_full');
    expect(error.retryAfterMs).toBeGreaterThan(3_900);
    expect(error.retryAfterMs).toBeLessThanOrEqual(4_000);
  });

  it('refuses a third pending job per user with too_many_pending, counting what they have', () => {
    const harness = new Harness({ maxPendingPerUser: 2 });
    harness.add('A1', 'A');
    harness.add('A2', 'A');
    const error = refusal(harness.tryAdd('A3', 'A'));
    expect(error.reason).toBe('too_many_pending');
    expect(error.pending).toBe(2);
    expect(harness.add('B1', 'B').position).toBe(1); // and ahead of A2
  });

  it('pauses and resumes intake without touching queued work', async () => {
    const harness = new Harness();
    harness.add('A1', 'A');
    harness.add('B1', 'B');
    harness.queue.pauseIntake();
    expect(refusal(harness.tryAdd('C1', 'C')).reason).toBe('intake_paused');
    await harness.runAll();
    expect(harness.started).toEqual(['A1', 'B1']);
    harness.queue.resumeIntake();
    expect(harness.add('C1', 'C').status).toBe('running');
  });

  it('runs as many jobs at once as the concurrency allows', async () => {
    const harness = new Harness({ concurrency: 2 });
    harness.add('A1', 'A');
    harness.add('B1', 'B');
    harness.add('C1', 'C');
    await settle();
    expect(harness.started).toEqual(['A1', 'B1']);
    expect(harness.queue.placeOf('C1')?.position).toBe(1);
  });
});
