// The JobQueue contract: what intake and the runner rely on from a queue backend. Exported so
// every backend runs the same suite (job-queue.contract.test.ts runs it against the local queue).
//
// A backend's setup must run jobs on the fake worker (test/fixtures/fake-worker) with the model
// `fake-sd1`, one job at a time, so the prompt words steer each job (`delay:<ms>` per step,
// `fail` for an unexpected error) and the order jobs start in is observable.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UserKey } from '../../src/commands/ports.js';
import type { Admission, JobQueue, JobQueueEvent, QueueCaps, QueueJob } from '../../src/bot/core/ports/job-queue.js';

export interface OpenedQueue {
  readonly queue: JobQueue;
  /** Starts another queue on the same state, as a bot restarted after `queue.close()` would. */
  reopen(): Promise<JobQueue>;
}

export interface JobQueueSetup {
  /** A queue over fresh, empty state (not started yet). */
  open(): Promise<OpenedQueue>;
}

export const MODEL = 'fake-sd1';
const ROOMY: QueueCaps = { maxWaiting: 50, maxPerUser: 10 };
const SETTLE_TIMEOUT_MS = 20_000;

/** Every event a queue sent, with helpers to wait for what a test needs. */
class EventLog {
  readonly events: JobQueueEvent[] = [];
  private readonly waiters = new Set<() => void>();

  readonly listener = (event: JobQueueEvent): void => {
    this.events.push(event);
    for (const waiter of this.waiters) waiter();
  };

  of(jobId: string): JobQueueEvent[] {
    return this.events.filter((event) => event.jobId === jobId);
  }

  types(jobId: string): string[] {
    return this.of(jobId).map((event) => event.type);
  }

  startOrder(): string[] {
    return this.events.filter((event) => event.type === 'started').map((event) => event.jobId);
  }

  ended(jobId: string): Extract<JobQueueEvent, { type: 'completed' | 'failed' }> | undefined {
    return this.of(jobId).find((event): event is Extract<JobQueueEvent, { type: 'completed' | 'failed' }> => event.type === 'completed' || event.type === 'failed');
  }

  until(condition: () => boolean, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.map((event) => [event.type, event.jobId]))}`));
      }, SETTLE_TIMEOUT_MS);
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  allEnded(jobIds: readonly string[]): Promise<void> {
    return this.until(() => jobIds.every((jobId) => this.ended(jobId) !== undefined), `the end of ${jobIds.join(', ')}`);
  }
}

/** A job for the fake worker; `words` steer it (see the header). */
export function job(user: string, words = '', options: { readonly steps?: number; readonly seed?: number } = {}): QueueJob {
  const jobId = randomUUID();
  const steps = options.steps ?? 2;
  return {
    jobId,
    user: `discord:${user}` as UserKey,
    model: MODEL,
    cost: steps,
    work: {
      kind: 'generate',
      job: {
        jobId,
        model: MODEL,
        params: {
          prompt: `${user} ${words}`.trim(),
          negativePrompt: '',
          seed: options.seed ?? 1,
          numInferenceSteps: steps,
          guidanceScale: 7,
          sampler: 'euler_a',
          width: 64,
          height: 64,
          count: 1,
        },
      },
    },
  };
}

function accepted(admission: Admission): Extract<Admission, { accepted: true }> {
  if (!admission.accepted) throw new Error(`refused: ${admission.reason}`);
  return admission;
}

export function describeJobQueueContract(name: string, setup: JobQueueSetup): void {
  describe(`JobQueue contract: ${name}`, () => {
    async function started(): Promise<{ queue: JobQueue; log: EventLog; reopen: () => Promise<JobQueue> }> {
      const { queue, reopen } = await setup.open();
      const log = new EventLog();
      expect(await queue.start(log.listener)).toEqual([]);
      return { queue, log, reopen };
    }

    // A backend may pace progress (a worker host writes at most one state per short interval), so
    // steps in between may be skipped, but never the first, the last, or their order.
    it('runs a job: started, its steps in order from the first to the last, then completed with its images, and nothing after', async () => {
      const { queue, log } = await started();
      const only = job('ann', '', { steps: 3, seed: 42 });
      const admission = accepted(await queue.submit(only, ROOMY));
      expect(admission.round).toBeGreaterThanOrEqual(0);
      await log.allEnded([only.jobId]);
      const types = log.types(only.jobId).filter((type) => type !== 'position');
      expect(types[0]).toBe('started');
      expect(types.at(-1)).toBe('completed');
      expect(types.slice(1, -1).every((type) => type === 'progress')).toBe(true);
      const steps = log.of(only.jobId).flatMap((event) => (event.type === 'progress' ? [event.step] : []));
      expect(steps[0]).toBe(1);
      expect(steps.at(-1)).toBe(3);
      expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b));
      expect(log.of(only.jobId).every((event) => event.type !== 'progress' || event.total === 3)).toBe(true);
      const ending = log.ended(only.jobId);
      expect(ending?.type === 'completed' && ending.result.images.map((image) => image.seed)).toEqual([42]);
      expect(await queue.placeOf(only.jobId)).toBeUndefined();
      await queue.close(1_000);
    });

    it("serves users round-robin: a user's next job waits behind everyone's earlier ones", async () => {
      const { queue, log } = await started();
      const blocker = job('xavier', 'delay:150');
      accepted(await queue.submit(blocker, ROOMY));
      await log.until(() => log.startOrder().includes(blocker.jobId), 'the blocker to start');
      const jobs = ['ann', 'ann', 'ann', 'bob', 'bob', 'cid'].map((user) => job(user));
      const rounds: number[] = [];
      for (const queued of jobs) rounds.push(accepted(await queue.submit(queued, ROOMY)).round);
      const [a1, a2, a3, b1, b2, c1] = jobs.map((queued) => queued.jobId);
      // Places in line, over the whole queue, are the order they will start in.
      expect(await Promise.all([a1, b1, c1, a2, b2, a3].map(async (jobId) => (await queue.placeOf(jobId ?? ''))?.position))).toEqual([1, 2, 3, 4, 5, 6]);
      expect((rounds[1] ?? 0) - (rounds[0] ?? 0)).toBe(1);
      expect(rounds[3]).toBe(rounds[0]);
      await log.allEnded(jobs.map((queued) => queued.jobId));
      expect(log.startOrder()).toEqual([blocker.jobId, a1, b1, c1, a2, b2, a3]);
      await queue.close(1_000);
    });

    it('refuses past the caps in the same step that adds, and counts over the whole queue', async () => {
      const { queue, log } = await started();
      const caps: QueueCaps = { maxWaiting: 2, maxPerUser: 2 };
      const running = job('ann', 'delay:100', { steps: 4 });
      accepted(await queue.submit(running, caps));
      await log.until(() => log.startOrder().includes(running.jobId), 'the first job to start');
      accepted(await queue.submit(job('ann'), caps));
      expect(await queue.submit(job('ann'), caps)).toEqual({ accepted: false, reason: 'too_many_pending', pending: 2 });
      accepted(await queue.submit(job('bob'), caps));
      const full = await queue.submit(job('cid'), caps);
      expect(full).toMatchObject({ accepted: false, reason: 'queue_full' });
      expect(!full.accepted && (full.retryAfterMs ?? 0)).toBeGreaterThan(0);
      expect(await queue.counts('discord:ann')).toMatchObject({ waiting: 2, running: 1, waitingOfUser: 1, pendingOfUser: 2, paused: false });
      expect((await queue.counts('discord:ann')).nextStartMs).toBeGreaterThan(0);
      expect((await queue.jobsOf('discord:ann')).map((place) => [place.jobId === running.jobId, place.status])).toEqual([
        [true, 'running'],
        [false, 'queued'],
      ]);
      await queue.close(0);
    });

    it('cancels a waiting job (it never starts) and a running one, each ending once as cancelled', async () => {
      const { queue, log } = await started();
      const running = job('ann', 'delay:100', { steps: 20 });
      const waiting = job('bob');
      const behind = job('cid');
      for (const queued of [running, waiting, behind]) accepted(await queue.submit(queued, ROOMY));
      await log.until(() => log.startOrder().includes(running.jobId), 'the first job to start');
      expect(await queue.cancel(waiting.jobId)).toBe('removed');
      await log.until(() => log.of(behind.jobId).some((event) => event.type === 'position' && event.position === 1), 'the job behind to move up');
      expect(await queue.cancel(running.jobId)).toBe('aborted');
      await log.allEnded([running.jobId, waiting.jobId, behind.jobId]);
      for (const cancelled of [running, waiting]) {
        const endings = log.of(cancelled.jobId).filter((event) => event.type === 'completed' || event.type === 'failed');
        expect(endings).toHaveLength(1);
        expect(endings[0]?.type === 'failed' && endings[0].failure.code).toBe('cancelled');
      }
      expect(log.types(waiting.jobId)).not.toContain('started');
      expect(log.ended(behind.jobId)?.type).toBe('completed');
      expect(await queue.cancel('no-such-job')).toBeUndefined();
      await queue.close(1_000);
    });

    it('pauses intake without stopping the jobs already in line', async () => {
      const { queue, log } = await started();
      const first = job('ann', 'delay:50');
      accepted(await queue.submit(first, ROOMY));
      await queue.pauseIntake();
      expect(await queue.submit(job('bob'), ROOMY)).toEqual({ accepted: false, reason: 'intake_paused' });
      expect((await queue.counts('discord:bob')).paused).toBe(true);
      await log.allEnded([first.jobId]);
      await queue.resumeIntake();
      const later = job('bob');
      accepted(await queue.submit(later, ROOMY));
      await log.allEnded([later.jobId]);
      expect(log.ended(later.jobId)?.type).toBe('completed');
      await queue.close(1_000);
    });

    it('reports a failed job with a code a user can be shown, marked unexpected for the log', async () => {
      const { queue, log } = await started();
      const failing = job('ann', 'fail');
      accepted(await queue.submit(failing, ROOMY));
      await log.allEnded([failing.jobId]);
      const ending = log.ended(failing.jobId);
      expect(ending?.type === 'failed' && [ending.failure.code, ending.failure.unexpected]).toEqual(['generation_failed', true]);
      await queue.close(1_000);
    });

    it('keeps every job across a restart: each ends exactly once, in its old order, with its own seed', async () => {
      const { queue, log, reopen } = await started();
      const jobs = [job('ann', 'delay:40', { steps: 10, seed: 7 }), job('bob', '', { seed: 8 }), job('cid', '', { seed: 9 })];
      for (const queued of jobs) accepted(await queue.submit(queued, ROOMY));
      await log.until(() => log.of(jobs[0]?.jobId ?? '').some((event) => event.type === 'progress'), 'the first job to make progress');
      await queue.close(0);

      const again = await reopen();
      const afterRestart = new EventLog();
      const resumed = await again.start(afterRestart.listener);
      const ids = jobs.map((queued) => queued.jobId);
      const notEnded = ids.filter((jobId) => log.ended(jobId) === undefined);
      expect(resumed.map((kept) => kept.jobId)).toEqual(notEnded);
      await afterRestart.allEnded(notEnded);
      for (const [index, jobId] of ids.entries()) {
        const endings = [log, afterRestart].flatMap((events) => events.of(jobId).filter((event) => event.type === 'completed' || event.type === 'failed'));
        expect(endings).toHaveLength(1);
        const ending = endings[0];
        expect(ending?.type === 'completed' && ending.result.images.map((image) => image.seed)).toEqual([7 + index]);
      }
      expect(afterRestart.startOrder()).toEqual(notEnded);
      await again.close(1_000);
    });
  });
}
