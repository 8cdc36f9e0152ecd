// Exactly one result per job when bot processes die around its delivery: a runner that took the
// delivery turn and stopped (killed while posting) holds it only until its lease runs out; the
// next process then looks whether the message shows the result already and posts only if not.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileImageStore } from '../../../../src/bot/core/image-store.js';
import type { JobObserver } from '../../../../src/bot/core/job-observer.js';
import { JobRunner } from '../../../../src/bot/core/job-runner.js';
import { KeyvJobStore } from '../../../../src/bot/core/job-store.js';
import type { JobQueueEvent } from '../../../../src/bot/core/ports/job-queue.js';
import { KeyvRateLimiter } from '../../../../src/bot/core/rate-limiter.js';
import type { JobRecord } from '../../../../src/commands/job-record.js';
import { request, requester } from '../../../fixtures/fake-worker/service-harness.js';

const LEASE_MS = 300;
const PNG = new Uint8Array([137, 80, 78, 71]);

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-delivery-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A conversation: what was posted to it, and whether it shows a result. */
class Conversation {
  readonly posted: string[] = [];
  observer(): JobObserver {
    return {
      onSucceeded: (record) => {
        this.posted.push(`result of ${record.jobId}`);
      },
      onFailed: (error) => {
        this.posted.push(error.code);
      },
      showsEnding: async () => this.posted.length > 0,
    };
  }
}

async function world() {
  const keyv = new Keyv();
  const jobs = new KeyvJobStore(keyv);
  const images = await FileImageStore.open(await mkdtemp(join(dir, 'images-')));
  const limiter = KeyvRateLimiter.forKeyv(keyv);
  const record: JobRecord = { jobId: 'job-1', requester: requester('ann'), request: request('a fox', { seed: 7 }), status: 'running', createdAt: Date.now(), images: [], messages: [] };
  await jobs.put(record);
  const conversation = new Conversation();
  /** One bot process: its runner, adopting the kept job into the conversation after a restart. */
  const process = (observer: JobObserver = conversation.observer()) => {
    const runner = new JobRunner({ jobs, images, limiter, deliveryLeaseMs: LEASE_MS });
    runner.addResumer({ observerFor: () => observer });
    return runner;
  };
  return { jobs, conversation, process };
}

const completed: JobQueueEvent = {
  type: 'completed',
  jobId: 'job-1',
  result: {
    images: [{ png: PNG, seed: 7, width: 64, height: 64, nsfw: false }],
    timings: { totalMs: 1, textEncodeMs: 0, denoiseMs: 1, decodeMs: 0, msPerStep: 1 },
    truncatedWords: [],
    model: 'tiny',
  },
};

describe('delivering a job exactly once across bot processes', () => {
  it('posts once when two processes hear the same ending at the same time', async () => {
    const { conversation, process } = await world();
    await Promise.all([process().handle(completed), process().handle(completed)]);
    expect(conversation.posted).toEqual(['result of job-1']);
    await process().handle(completed);
    expect(conversation.posted).toEqual(['result of job-1']);
  });

  it('posts after a process took the turn and was killed before posting, once its lease ran out', async () => {
    const { jobs, conversation, process } = await world();
    expect(await jobs.takeDelivery('job-1', 'killed process', LEASE_MS)).toEqual({ turn: 'first' });
    const started = Date.now();
    await process().handle(completed);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LEASE_MS - 50);
    expect(conversation.posted).toEqual(['result of job-1']);
    expect(await jobs.takeDelivery('job-1', 'later process', LEASE_MS)).toEqual({ turn: 'done' });
  });

  it('does not post again when the killed process had posted before it could mark the job delivered', async () => {
    const { jobs, conversation, process } = await world();
    expect(await jobs.takeDelivery('job-1', 'killed process', LEASE_MS)).toEqual({ turn: 'first' });
    conversation.posted.push('result of job-1'); // it reached the platform; then the process died
    await process().handle(completed);
    expect(conversation.posted).toEqual(['result of job-1']);
    expect(await jobs.takeDelivery('job-1', 'later process', LEASE_MS)).toEqual({ turn: 'done' });
  });

  it('asks a store that stopped answering again rather than posting without a turn, and then finds the post of the dead process', async () => {
    const { jobs, conversation, process } = await world();
    // The store is down (Redis restarting) for the first two asks, while a dead process's turn runs.
    expect(await jobs.takeDelivery('job-1', 'killed process', LEASE_MS)).toEqual({ turn: 'first' });
    conversation.posted.push('result of job-1');
    let failures = 2;
    const takeDelivery = jobs.takeDelivery.bind(jobs);
    jobs.takeDelivery = async (...args) => {
      if (failures-- > 0) throw new Error('Socket closed unexpectedly');
      return takeDelivery(...args);
    };
    await process().handle(completed);
    expect(failures).toBeLessThan(0);
    expect(conversation.posted).toEqual(['result of job-1']);
  });

  it('keeps its turn while a slow post outlasts the lease, so a second process does not post too', async () => {
    const { conversation, process } = await world();
    let release = (): void => undefined;
    const slowPost = new Promise<void>((resolve) => (release = resolve));
    // The first process's post hangs for three leases; its renewals keep the turn.
    const direct = conversation.observer();
    const first = process({
      ...direct,
      onSucceeded: async (record, pngs, details) => {
        await slowPost;
        await direct.onSucceeded(record, pngs, details);
      },
    });
    const second = process();
    const firstDelivery = first.handle(completed);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const secondDelivery = second.handle(completed);
    await new Promise((resolve) => setTimeout(resolve, 3 * LEASE_MS));
    expect(conversation.posted).toEqual([]);
    release();
    await Promise.all([firstDelivery, secondDelivery]);
    expect(conversation.posted).toEqual(['result of job-1']);
  });
});
