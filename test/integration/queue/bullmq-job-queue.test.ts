// The redis backend end to end: bot-side BullMQ JobQueue, real redis-server (append-only, as the
// compose file runs it) and fake worker hosts in their own processes, killed and restarted as a
// lost GPU box or a crashed bot would be.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobQueueEvent } from '../../../src/bot/core/ports/job-queue.js';
import { LEDGER_KEYS } from '../../../src/bot/queue/bullmq/redis-names.js';
import { colourOf } from '../../fixtures/fake-worker/fake-model.js';
import { REDIS_SKIP_REASON, redisServerAvailable, startRedis } from '../../unit/bot/core/redis-server.js';
import type { RunningRedis } from '../../unit/bot/core/redis-server.js';
import { CAPS, generateJob, openQueue } from './queue-harness.js';
import type { RecordingQueue } from './queue-harness.js';
import { startWorkerHostProcess } from './worker-host-process.js';
import type { WorkerHostProcess } from './worker-host-process.js';

const available = redisServerAvailable();
if (!available) console.warn(REDIS_SKIP_REASON);

const LOCK_SECONDS = 2;

/** Polls `check` until it holds; fails the test after a few seconds. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 50; tries++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`never happened: ${check.toString()}`);
}

describe.skipIf(!available)('BullMQ job queue with worker hosts', () => {
  let redis: RunningRedis;
  let admin: Redis;
  const aofDir = mkdtempSync(join(tmpdir(), 'redis-aof-'));
  const hosts: WorkerHostProcess[] = [];
  const queues: RecordingQueue[] = [];

  const host = async (name: string, stepDelayMs = 15): Promise<WorkerHostProcess> => {
    const started = await startWorkerHostProcess({ redisUrl: redis.url, name, lockSeconds: LOCK_SECONDS, behaviour: { stepDelayMs } });
    hosts.push(started);
    return started;
  };
  const queue = async (owner = 'test-bot'): Promise<RecordingQueue> => {
    const opened = openQueue(redis.url, owner);
    queues.push(opened);
    await opened.queue.start(opened.listener);
    return opened;
  };
  const ofType = <T extends JobQueueEvent['type']>(events: readonly JobQueueEvent[], type: T) =>
    events.filter((event): event is Extract<JobQueueEvent, { type: T }> => event.type === type);

  beforeAll(async () => {
    redis = await startRedis({ aofDir });
    admin = new Redis(redis.url, { maxRetriesPerRequest: null });
    admin.on('error', () => undefined); // the Redis restart test takes the server away
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((opened) => opened.queue.close(1_000)));
    await Promise.all(hosts.splice(0).map((started) => started.kill()));
    await admin.flushall();
  });
  afterAll(async () => {
    admin.disconnect();
    await redis?.stop();
  });

  it('runs everyone’s first job before anyone’s second, and brings back each image once with its seed and colour', async () => {
    await host('w1');
    const bot = await queue();
    const first = generateJob('discord:alice', 'delay:60 first', { seed: 11 });
    await bot.queue.submit(first, CAPS);
    await bot.until((events) => ofType(events, 'started').length === 1);
    const later = [
      generateJob('discord:alice', 'second', { seed: 12 }),
      generateJob('discord:alice', 'third', { seed: 13 }),
      generateJob('discord:bob', 'bob', { seed: 21 }),
      generateJob('discord:carol', 'carol', { seed: 31 }),
    ];
    const admissions = [];
    for (const job of later) admissions.push(await bot.queue.submit(job, CAPS));
    expect(admissions.map((admission) => (admission.accepted ? admission.round : 0))).toEqual([2, 3, 1, 1]);
    const carol = admissions[3];
    expect(carol?.accepted === true ? carol.place.position : 0).toBe(2);

    const all = [first, ...later];
    await bot.until((events) => ofType(events, 'completed').length === all.length);
    expect(ofType(bot.events, 'started').map((event) => event.jobId)).toEqual([first, later[2], later[3], later[0], later[1]].map((job) => job?.jobId));
    for (const job of all) {
      const ends = bot.endsOf(job.jobId);
      expect(ends).toHaveLength(1);
      const image = ends[0]?.type === 'completed' ? ends[0].result.images[0] : undefined;
      const seed = job.work.kind === 'generate' ? job.work.job.params.seed : -1;
      expect(image?.seed).toBe(seed);
      const { data } = await sharp(image?.png).raw().toBuffer({ resolveWithObject: true });
      expect([...data.subarray(0, 3)]).toEqual(colourOf(seed));
    }
    expect(await bot.queue.counts('discord:alice')).toMatchObject({ waiting: 0, running: 0, pendingOfUser: 0 });
    // The PNGs leave Redis once the bot has them.
    await eventually(async () => (await admin.keys('imagine:result:*')).length === 0);
  });

  it('moves a job whose worker was SIGKILLed to another worker, and fails it clearly after a second loss', async () => {
    const started = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((name) => host(name, 100)));
    const byName = new Map(started.map((running) => [running.name, running]));
    const bot = await queue();
    /** The host whose progress the job reported last (BullMQ keeps the latest progress on the job). */
    const runnerOf = async (jobId: string): Promise<WorkerHostProcess | undefined> => {
      const progress = await admin.hget(`imagine:model.fake-sd1:${jobId}`, 'progress');
      return byName.get((JSON.parse(progress ?? '{}') as { worker?: string }).worker ?? '');
    };
    const progressOf = (jobId: string) => ofType(bot.events, 'progress').filter((event) => event.jobId === jobId).length;

    const job = generateJob('discord:alice', 'survives', { steps: 20 });
    await bot.queue.submit(job, CAPS);
    await bot.until(() => progressOf(job.jobId) > 0);
    await (await runnerOf(job.jobId))?.kill('SIGKILL');
    await bot.until(() => bot.endsOf(job.jobId).length > 0, 40_000);
    expect(ofType(bot.events, 'restarted')).toEqual([{ type: 'restarted', jobId: job.jobId, attempt: 2, reason: 'stalled' }]);
    expect(bot.endsOf(job.jobId).map((event) => event.type)).toEqual(['completed']);
    expect(await bot.queue.stalledRetries()).toBe(1);

    const unlucky = generateJob('discord:bob', 'lost twice', { steps: 30 });
    await bot.queue.submit(unlucky, CAPS);
    await bot.until(() => progressOf(unlucky.jobId) > 0);
    await (await runnerOf(unlucky.jobId))?.kill('SIGKILL');
    await bot.until((events) => ofType(events, 'restarted').some((event) => event.jobId === unlucky.jobId), 40_000);
    const before = progressOf(unlucky.jobId);
    await bot.until(() => progressOf(unlucky.jobId) > before);
    await (await runnerOf(unlucky.jobId))?.kill('SIGKILL');
    await bot.until(() => bot.endsOf(unlucky.jobId).length > 0, 40_000);
    const [ending] = bot.endsOf(unlucky.jobId);
    expect(ending?.type === 'failed' ? ending.failure : undefined).toMatchObject({
      code: 'worker_crashed',
      message: expect.stringContaining('Two workers were lost'),
    });
  }, 120_000);

  it('a bot that was down while a worker was lost tells the job restarted on another worker when it comes back', async () => {
    const started = await Promise.all(['w1', 'w2'].map((name) => host(name, 100)));
    const byName = new Map(started.map((running) => [running.name, running]));
    const before = await queue('discord-bot');
    const job = generateJob('discord:alice', 'taken over unseen', { steps: 20 });
    await before.queue.submit(job, CAPS);
    await before.until(() => ofType(before.events, 'progress').length > 0);
    await before.queue.close(0);
    const progress = await admin.hget(`imagine:model.fake-sd1:${job.jobId}`, 'progress');
    await byName.get((JSON.parse(progress ?? '{}') as { worker?: string }).worker ?? '')?.kill('SIGKILL');
    // Another worker takes it over once the lock has expired and two stall checks have run.
    for (let tries = 0; tries < 200 && Number(await admin.hget(`imagine:model.fake-sd1:${job.jobId}`, 'stc')) < 1; tries++) await sleep(100);

    const after = openQueue(redis.url, 'discord-bot');
    queues.push(after);
    await after.queue.start(after.listener);
    await after.until(() => after.endsOf(job.jobId).length > 0, 40_000);
    expect(ofType(after.events, 'restarted')).toEqual([{ type: 'restarted', jobId: job.jobId, attempt: 2, reason: 'stalled' }]);
    expect(after.endsOf(job.jobId).map((event) => event.type)).toEqual(['completed']);
  }, 60_000);

  it('a restarted bot gets the results of its jobs, including those that finished while it was down; another bot gets none of them', async () => {
    await host('w1', 30);
    const other = await queue('slack-bot');
    const before = await queue('discord-bot');
    const jobs = [generateJob('discord:alice', 'one'), generateJob('discord:bob', 'two'), generateJob('discord:carol', 'three')];
    for (const job of jobs) await before.queue.submit(job, CAPS);
    expect((await other.queue.counts('discord:alice')).pendingOfUser).toBe(1);
    await before.until((events) => ofType(events, 'started').length === 1);
    await before.queue.close(0);
    await sleep(500);

    const after = openQueue(redis.url, 'discord-bot');
    queues.push(after);
    const resumed = await after.queue.start(after.listener);
    expect(resumed.length).toBeGreaterThan(0);
    await after.until(() => jobs.every((job) => after.endsOf(job.jobId).length > 0));
    await sleep(300);
    for (const job of jobs) expect(after.endsOf(job.jobId).map((event) => event.type)).toEqual(['completed']);
    expect(other.events.filter((event) => jobs.some((job) => job.jobId === event.jobId))).toEqual([]);
  });

  it('cancels a waiting job and a running one', async () => {
    await host('w1', 50);
    const bot = await queue();
    const running = generateJob('discord:alice', 'running', { steps: 40 });
    const waiting = generateJob('discord:bob', 'waiting');
    await bot.queue.submit(running, CAPS);
    await bot.queue.submit(waiting, CAPS);
    await bot.until((events) => ofType(events, 'progress').some((event) => event.jobId === running.jobId));
    expect(await bot.queue.cancel(waiting.jobId)).toBe('removed');
    expect(await bot.queue.cancel(running.jobId)).toBe('aborted');
    await bot.until(() => bot.endsOf(running.jobId).length > 0 && bot.endsOf(waiting.jobId).length > 0);
    // The ending reaches the listener first; the ledger lets go of the job right after.
    await eventually(async () => (await bot.queue.counts('discord:alice')).pendingOfUser === 0);
    for (const job of [running, waiting]) {
      const [ending] = bot.endsOf(job.jobId);
      expect(ending?.type === 'failed' ? ending.failure.code : undefined).toBe('cancelled');
    }
    expect(await bot.queue.cancel(running.jobId)).toBeUndefined();
  });

  it('paces the progress of a fast job: first and last step in order, fewer states than steps, and every preview with its colour', async () => {
    await host('w1', 10);
    const bot = await queue();
    const seed = 500;
    const job = generateJob('discord:alice', 'quick steps', { steps: 30, seed });
    await bot.queue.submit(job, CAPS);
    await bot.until(() => bot.endsOf(job.jobId).length > 0);
    const progress = ofType(bot.events, 'progress').filter((event) => event.jobId === job.jobId);
    const steps = progress.map((event) => event.step);
    expect(steps[0]).toBe(1);
    expect(steps.at(-1)).toBe(30);
    expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b));
    // 30 steps of 10 ms in about 300 ms: paced to a state per 100 ms and the previews, not one per step.
    expect(steps.length).toBeLessThan(30);
    // The fake worker sends a preview every fifth step, coloured by seed + step: none is lost.
    const colours = await Promise.all(
      progress.flatMap((event) => (event.preview === undefined ? [] : [sharp(event.preview).raw().toBuffer().then((pixels) => [...pixels.subarray(0, 3)])])),
    );
    expect(colours).toEqual([5, 10, 15, 20, 25, 30].map((step) => colourOf(seed + step)));
    expect(bot.endsOf(job.jobId).map((event) => event.type)).toEqual(['completed']);
  });

  it('tells waiting jobs their places as the line moves, and reads the line only while one of its jobs waits', async () => {
    await host('w1', 15);
    const bot = await queue();
    // Each runs long enough (20 × 15 ms) for the line to be read while it runs, on a busy machine too.
    const jobs = ['alice', 'bob', 'carol'].map((name) => generateJob(`discord:${name}`, name, { steps: 20 }));
    for (const job of jobs) await bot.queue.submit(job, CAPS);
    await bot.until(() => jobs.every((job) => bot.endsOf(job.jobId).length > 0));
    const placesOfLast = ofType(bot.events, 'position').filter((event) => event.jobId === jobs[2]?.jobId).map((event) => event.position);
    expect(placesOfLast).toContain(1);
    expect(placesOfLast).toEqual([...placesOfLast].sort((a, b) => b - a));

    // One job on an idle line: its place is read a few times around its admission and start, not on
    // every queue event (the bot used to read the line five times, and for every job it follows).
    // Counted in this process, where the bot's ledger runs (a MONITOR connection can trip ioredis's
    // reply bookkeeping when its first lines race the OK).
    const zrange = vi.spyOn(Redis.prototype, 'zrange');
    const alone = generateJob('discord:dave', 'alone', { steps: 10 });
    await bot.queue.submit(alone, CAPS);
    await bot.until(() => bot.endsOf(alone.jobId).length > 0);
    await sleep(200);
    const lineReads = zrange.mock.calls.filter(([key]) => key === LEDGER_KEYS.waiting).length;
    zrange.mockRestore();
    expect(lineReads).toBeGreaterThanOrEqual(1);
    expect(lineReads).toBeLessThanOrEqual(3);
  });

  it('keeps every job through a Redis crash and restart (append-only file)', async () => {
    await host('w1', 40);
    const bot = await queue();
    const jobs = [generateJob('discord:alice', 'a', { steps: 20 }), generateJob('discord:bob', 'b', { steps: 20 })];
    for (const job of jobs) await bot.queue.submit(job, CAPS);
    await bot.until((events) => ofType(events, 'progress').length > 2);
    await redis.kill();
    redis = await startRedis({ port: redis.port, aofDir });
    await bot.until(() => jobs.every((job) => bot.endsOf(job.jobId).length > 0), 40_000);
    for (const job of jobs) expect(bot.endsOf(job.jobId).map((event) => event.type)).toEqual(['completed']);
  });

  it('SIGTERM lets the running job finish, then the host leaves', async () => {
    const leaving = await host('w1', 40);
    const bot = await queue();
    const job = generateJob('discord:alice', 'finish me', { steps: 20 });
    await bot.queue.submit(job, CAPS);
    await bot.until((events) => ofType(events, 'progress').some((event) => event.jobId === job.jobId));
    expect(await bot.queue.workers()).toHaveLength(1);
    expect(await leaving.kill('SIGTERM')).toBe(0);
    expect(bot.endsOf(job.jobId).map((event) => event.type)).toEqual(['completed']);
    expect(await bot.queue.workers()).toEqual([]);
  });
});
