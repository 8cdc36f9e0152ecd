// The JobStore contract: what the job service relies on from any store of job records. Run
// against every implementation (job-store.contract.test.ts).
import { describe, expect, it } from 'vitest';
import type { JobRecord, MessageRef } from '../../src/commands/job-record.js';
import type { JobStore } from '../../src/bot/core/ports/job-store.js';
import { request, requester } from '../fixtures/fake-worker/service-harness.js';

export interface JobStoreSetup {
  /** A fresh, empty store; `reopen` is a second store on the same data (another process, a restart). */
  open(options: { readonly ttlMs: number; readonly now: () => number }): Promise<{ readonly store: JobStore; reopen(): JobStore }>;
}

const DAY_MS = 24 * 60 * 60_000;
const START = 1_700_000_000_000;

function record(jobId: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return { jobId, requester: requester('ann'), request: request('a fox'), status: 'queued', createdAt: START, images: [], messages: [], ...overrides };
}

function message(messageId: string): MessageRef {
  return { platform: 'discord', channelId: 'channel-1', messageId };
}

export function describeJobStoreContract(name: string, setup: JobStoreSetup): void {
  describe(`JobStore contract: ${name}`, () => {
    const clock = { now: START };
    const open = () => setup.open({ ttlMs: DAY_MS, now: () => clock.now });

    it('keeps a record by id and answers undefined for an unknown one', async () => {
      clock.now = START;
      const { store, reopen } = await open();
      await store.put(record('job-1'));
      expect(await store.get('job-1')).toEqual(record('job-1'));
      expect(await reopen().get('job-1')).toEqual(record('job-1'));
      expect(await store.get('job-2')).toBeUndefined();
    });

    it('finds a record by the messages attached to it, each listed once', async () => {
      clock.now = START;
      const { store, reopen } = await open();
      await store.put(record('job-1'));
      await store.attachMessage('job-1', message('m1'));
      await store.attachMessage('job-1', message('m1'));
      await store.attachMessage('job-1', message('m2'));
      expect((await store.get('job-1'))?.messages).toEqual([message('m1'), message('m2')]);
      expect((await reopen().findByMessage(message('m2')))?.jobId).toBe('job-1');
      expect(await store.findByMessage(message('m3'))).toBeUndefined();
      expect(await store.attachMessage('nope', message('m4'))).toBeUndefined();
    });

    it('never loses a change when updates of one record overlap', async () => {
      clock.now = START;
      const { store } = await open();
      await store.put(record('job-1'));
      await Promise.all(Array.from({ length: 20 }, (_, index) => store.attachMessage('job-1', message(`m${index}`))));
      await store.update('job-1', (current) => ({ ...current, status: 'running', startedAt: START + 5 }));
      const stored = await store.get('job-1');
      expect(stored?.messages).toHaveLength(20);
      expect(stored).toMatchObject({ status: 'running', startedAt: START + 5 });
      expect(await store.update('nope', (current) => current)).toBeUndefined();
    });

    it('lets a record expire a TTL after its creation, however often it is updated', async () => {
      clock.now = START;
      const { store } = await open();
      expect(store.ttl).toBe(DAY_MS);
      await store.put(record('job-1'));
      clock.now = START + DAY_MS - 1_000;
      await store.update('job-1', (current) => ({ ...current, status: 'succeeded' }));
      expect((await store.get('job-1'))?.status).toBe('succeeded');
      // The store got a second to live, counted from creation, not from the update.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await store.get('job-1')).toBeUndefined();
      clock.now = START + DAY_MS + 1;
      await store.put(record('job-old'));
      expect(await store.get('job-old')).toBeUndefined();
    });

    it('gives the delivery turn to exactly one caller, and none after it is done, across stores on the same data', async () => {
      clock.now = START;
      const { store, reopen } = await open();
      await store.put(record('job-1'));
      const turns = await Promise.all(Array.from({ length: 10 }, (_, index) => store.takeDelivery('job-1', `holder-${index}`, 5_000)));
      expect(turns.filter((turn) => turn.turn === 'first')).toHaveLength(1);
      expect(turns.filter((turn) => turn.turn === 'busy')).toHaveLength(9);
      const holder = `holder-${turns.findIndex((turn) => turn.turn === 'first')}`;
      const busy = await reopen().takeDelivery('job-1', 'another', 5_000);
      expect(busy.turn === 'busy' && busy.retryInMs).toBeGreaterThan(0);
      expect(await store.renewDelivery('job-1', holder, 5_000)).toBe(true);
      expect(await store.renewDelivery('job-1', 'another', 5_000)).toBe(false);
      await store.finishDelivery('job-1', holder);
      expect(await reopen().takeDelivery('job-1', 'another', 5_000)).toEqual({ turn: 'done' });
      expect(await reopen().takeDelivery('job-2', 'another', 5_000)).toEqual({ turn: 'first' });
    });

    it('gives the turn again, marked as tried before, once a holder stopped renewing it', async () => {
      clock.now = START;
      const { store, reopen } = await open();
      await store.put(record('job-1'));
      expect(await store.takeDelivery('job-1', 'killed', 300)).toEqual({ turn: 'first' });
      expect((await reopen().takeDelivery('job-1', 'restarted', 300)).turn).toBe('busy');
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(await reopen().takeDelivery('job-1', 'restarted', 5_000)).toEqual({ turn: 'again' });
      // The lost holder comes back too late: its turn is gone, and its finish cannot end the new one.
      expect(await store.renewDelivery('job-1', 'killed', 5_000)).toBe(false);
      expect((await store.takeDelivery('job-1', 'killed', 5_000)).turn).toBe('busy');
    });
  });
}
