// A bot-side BullMQ JobQueue for tests, with every event it hands to the job service recorded.
import { randomUUID } from 'node:crypto';
import type { UserKey } from '../../../src/commands/ports.js';
import { silentLogger } from '../../../src/bot/core/logger.js';
import type { JobQueueEvent, QueueJob } from '../../../src/bot/core/ports/job-queue.js';
import { BullmqJobQueue } from '../../../src/bot/queue/bullmq/bullmq-job-queue.js';
import type { GenerationParams } from '../../../src/pipeline/types.js';

export const FAKE_MODEL = 'fake-sd1';
export const CAPS = { maxWaiting: 50, maxPerUser: 5 };

export interface RecordingQueue {
  readonly queue: BullmqJobQueue;
  readonly events: JobQueueEvent[];
  /** What to pass to queue.start(). */
  readonly listener: (event: JobQueueEvent) => void;
  /** Resolves when `predicate` holds for the recorded events. */
  until(predicate: (events: readonly JobQueueEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  endsOf(jobId: string): JobQueueEvent[];
}

export function openQueue(redisUrl: string, owner = 'test-bot'): RecordingQueue {
  const queue = new BullmqJobQueue({ redisUrl, owner, models: [FAKE_MODEL], logger: silentLogger });
  const events: JobQueueEvent[] = [];
  const waiters = new Set<() => void>();
  return {
    queue,
    events,
    listener: (event) => {
      events.push(event);
      for (const wake of [...waiters]) wake();
    },
    until: (predicate, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (predicate(events)) return resolve();
        const check = (): void => {
          if (!predicate(events)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; events: ${JSON.stringify(events.map(({ type, jobId }) => `${type} ${jobId}`))}`));
        }, timeoutMs);
        waiters.add(check);
      }),
    endsOf: (jobId) => events.filter((event) => event.jobId === jobId && (event.type === 'completed' || event.type === 'failed')),
  };
}

let nextJob = 0;

export function generateJob(user: UserKey, prompt: string, options: { seed?: number; steps?: number } = {}): QueueJob {
  nextJob++;
  const jobId = randomUUID();
  const params: GenerationParams = {
    prompt,
    negativePrompt: '',
    seed: options.seed ?? 1000 + nextJob,
    numInferenceSteps: options.steps ?? 10,
    guidanceScale: 7,
    sampler: 'euler',
    width: 64,
    height: 64,
    count: 1,
  };
  return { jobId, user, model: FAKE_MODEL, cost: params.numInferenceSteps, work: { kind: 'generate', job: { jobId, model: FAKE_MODEL, params } } };
}
