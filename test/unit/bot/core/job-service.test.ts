import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserKey } from '../../../../src/commands/ports.js';
import { UserFacingError } from '../../../../src/commands/user-facing-error.js';
import { PipelineClient } from '../../../../src/pipeline/ipc/client.js';
import type { WorkerEvent } from '../../../../src/pipeline/ipc/client.js';
import { colourOf } from '../../../fixtures/fake-worker/fake-model.js';
import { fakeClientOptions } from '../../../fixtures/fake-worker/fake-client-options.js';
import { RecordingObserver, makeHarness, request, requester } from '../../../fixtures/fake-worker/service-harness.js';
import type { Harness, HarnessOptions, ObservedEvent } from '../../../fixtures/fake-worker/service-harness.js';

let dir = '';
let client: PipelineClient;
const workerEvents: WorkerEvent[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-service-'));
  client = await PipelineClient.start({
    ...fakeClientOptions({ behaviour: { stepDelayMs: 10 }, config: { pipeline: { previewEvery: 2 } } }),
    heartbeatTimeoutMs: 1_000,
    stderr: 'ignore',
    onEvent: (event) => workerEvents.push(event),
  });
});

afterAll(async () => {
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

let harnessCount = 0;
function harness(options: Partial<HarnessOptions> = {}): Promise<Harness> {
  return makeHarness({ generator: client, dataDir: join(dir, `h${harnessCount++}`), ...options });
}

async function refusal(promise: Promise<unknown>): Promise<UserFacingError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!UserFacingError.is(error)) throw new Error(`expected a UserFacingError, got ${String(error)}`);
  return error;
}

function types(events: readonly ObservedEvent[]): string[] {
  return events.map((event) => (event.type === 'progress' ? `progress ${event.step}/${event.total}` : event.type));
}

async function pixel(png: Uint8Array): Promise<number[]> {
  return [...(await sharp(png).raw().toBuffer()).subarray(0, 3)];
}

async function solidPng(colour: readonly [number, number, number], size = 16): Promise<Uint8Array> {
  const [r, g, b] = colour;
  return sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

describe('JobService', () => {
  it('takes a request to stored images, reporting every step to the observer', async () => {
    const { service, jobs, images } = await harness();
    const observer = new RecordingObserver();
    const submission = await service.submit(request('a red fox', { seed: 7, count: 2 }), requester('u1'), observer);
    expect(submission.position).toBe(0);
    const ending = await observer.ended;

    expect(types(observer.events)).toEqual(['started', 'progress 1/4', 'progress 2/4', 'progress 3/4', 'progress 4/4', 'succeeded']);
    expect(observer.events.filter((event) => event.type === 'progress' && event.preview)).toHaveLength(2);
    if (ending.type !== 'succeeded') throw new Error('expected success');
    expect(await Promise.all(ending.pngs.map(pixel))).toEqual([colourOf(7), colourOf(8)]);
    expect(ending.record).toMatchObject({ jobId: submission.jobId, status: 'succeeded' });
    expect(ending.record.images.map((image) => image.seed)).toEqual([7, 8]);

    const stored = await jobs.get(submission.jobId);
    expect(stored?.status).toBe('succeeded');
    expect(stored?.startedAt).toBeLessThanOrEqual(stored?.finishedAt ?? 0);
    const firstImage = stored?.images[0];
    expect(firstImage === undefined ? undefined : await images.get(firstImage.imageId)).toEqual(Buffer.from(ending.pngs[0] ?? []));

    const message = { platform: 'discord', channelId: 'channel-1', messageId: 'msg-1' } as const;
    await service.attachMessage(submission.jobId, message);
    expect((await service.records.findByMessage(message))?.jobId).toBe(submission.jobId);
  });

  it("serves users round-robin: one user's second job waits behind another's first", async () => {
    const { service } = await harness();
    const a1 = new RecordingObserver('a1');
    const a2 = new RecordingObserver('a2');
    const b1 = new RecordingObserver('b1');
    await service.submit(request('a1'), requester('alice'), a1);
    const second = await service.submit(request('a2'), requester('alice'), a2);
    const other = await service.submit(request('b1'), requester('bob'), b1);
    expect([second.position, other.position]).toEqual([1, 1]);
    expect((await service.snapshot('discord:alice')).mine.map((job) => [job.status, job.position])).toEqual([
      ['running', 0],
      ['queued', 2],
    ]);
    await Promise.all([a1.ended, a2.ended, b1.ended]);

    const order = [a1, a2, b1].sort((x, y) => (x.startedAt() ?? 0) - (y.startedAt() ?? 0)).map((observer) => observer.name);
    expect(order).toEqual(['a1', 'b1', 'a2']);
    expect(a2.events.filter((event) => event.type === 'queued' || event.type === 'position').map((event) => 'position' in event && event.position)).toEqual([1, 2, 1]);
  });

  it('refuses with rate_limited, charging per image and saying when to come back', async () => {
    const clock = { now: 1_700_000_000_000 };
    const { service } = await harness({ limits: { perUser: { capacity: 6, windowMs: 60_000 }, now: () => clock.now }, queue: { maxPendingPerUser: 10 } });
    const done = [];
    for (const seed of [1, 2]) {
      const observer = new RecordingObserver();
      await service.submit(request('x', { seed, count: 3 }), requester('carol'), observer);
      done.push(observer.ended);
    }
    await Promise.all(done);
    const error = await refusal(service.submit(request('x', { count: 2 }), requester('carol'), new RecordingObserver()));
    expect(error.code).toBe('rate_limited');
    expect(error.details.retryAfterMs).toBe(20_000); // 2 images at 10 s each
    expect(error.message).toContain('6 images per 1 min');
    expect(await service.remaining('discord:carol')).toEqual({ images: 0, capacity: 6, refillMs: 60_000 });
    // Admins are not limited.
    const adminRun = new RecordingObserver();
    await service.submit(request('x', { count: 4 }), requester('admin'), adminRun);
    expect((await adminRun.ended).type).toBe('succeeded');
  });

  it('refuses with queue_full and too_many_pending without charging anything', async () => {
    const { service } = await harness({ queue: { maxLength: 2 } });
    const slow = new RecordingObserver();
    await service.submit(request('slow delay:40', { numInferenceSteps: 10 }), requester('dave'), slow);
    await service.submit(request('waiting'), requester('dave'), new RecordingObserver());
    await service.submit(request('waiting'), requester('erin'), new RecordingObserver());
    const before = await service.remaining('discord:frank');

    const full = await refusal(service.submit(request('one more', { count: 4 }), requester('frank'), new RecordingObserver()));
    expect(full.code).toBe('queue_full');
    expect(full.message).toContain('2 jobs waiting');
    expect(full.details.retryAfterMs).toBeGreaterThan(0);
    expect(await service.remaining('discord:frank')).toEqual(before);

    const pending = await refusal(service.submit(request('again'), requester('dave'), new RecordingObserver()));
    expect(pending.code).toBe('too_many_pending');
    expect(pending.message).toContain('at most 2');
    await slow.ended;
  });

  it('refuses banned users and unknown models, and honours paused intake', async () => {
    const { service } = await harness();
    const mallory: UserKey = 'discord:mallory';
    await service.ban(mallory);
    expect((await refusal(service.submit(request('x'), requester('mallory'), new RecordingObserver()))).code).toBe('banned');
    await service.unban(mallory);
    expect(await service.isBanned(mallory)).toBe(false);

    const unknown = await refusal(service.submit(request('x', { model: 'sdxl' }), requester('u2'), new RecordingObserver()));
    expect(unknown.code).toBe('model_unavailable');
    expect(unknown.message).toContain('fake-sd1');

    await service.pauseIntake();
    expect((await refusal(service.submit(request('x'), requester('u2'), new RecordingObserver()))).code).toBe('intake_paused');
    expect((await service.snapshot('discord:u2')).paused).toBe(true);
    await service.resumeIntake();
    const resumed = new RecordingObserver();
    await service.submit(request('x'), requester('u2'), resumed);
    expect((await resumed.ended).type).toBe('succeeded');
  });

  it.each([
    { what: 'SIGKILL of the worker', word: 'crash-at:2', code: 'worker_crashed' },
    { what: 'a hung worker', word: 'hang-at:2', code: 'timed_out' },
  ])('$what mid-job fails that job with $code; the queued jobs complete and nothing is lost', async ({ word, code }) => {
    const clock = { now: 1_700_000_000_000 };
    const { service, jobs, logger } = await harness({ limits: { now: () => clock.now } });
    const doomed = new RecordingObserver();
    const queued = [new RecordingObserver(), new RecordingObserver()];
    const doomedJob = await service.submit(request(`boom ${word}`, { count: 4 }), requester('gina'), doomed);
    await service.submit(request('b', { seed: 5 }), requester('hank'), queued[0] ?? doomed);
    await service.submit(request('c', { seed: 6 }), requester('ivan'), queued[1] ?? doomed);

    const failed = await doomed.ended;
    if (failed.type !== 'failed') throw new Error('expected a failure');
    expect(failed.error.code).toBe(code);
    expect(failed.error.details.jobId).toBe(doomedJob.jobId);
    expect(failed.error.message).toContain(doomedJob.jobId);
    expect((await jobs.get(doomedJob.jobId))?.error?.code).toBe(code);
    expect(await service.remaining('discord:gina')).toMatchObject({ images: 20 }); // refunded

    const endings = await Promise.all(queued.map((observer) => observer.ended));
    expect(endings.map((ending) => ending.type)).toEqual(['succeeded', 'succeeded']);
    for (const observer of [doomed, ...queued]) {
      expect(observer.events.filter((event) => event.type === 'succeeded' || event.type === 'failed')).toHaveLength(1);
    }
    if (code === 'worker_crashed') expect(logger.entries.some((entry) => entry.level === 'error')).toBe(true);
  });

  it('reports an unexpected failure as generation_failed with the job id, logging the details', async () => {
    const { service, logger } = await harness();
    const observer = new RecordingObserver();
    const { jobId } = await service.submit(request('x fail'), requester('judy'), observer);
    const ending = await observer.ended;
    if (ending.type !== 'failed') throw new Error('expected a failure');
    expect(ending.error.code).toBe('generation_failed');
    expect(ending.error.details.jobId).toBe(jobId);
    expect(ending.error.message).not.toContain('fake unexpected failure');
    const logged = logger.entries.find((entry) => entry.level === 'error');
    expect(logged?.details).toMatchObject({ jobId });
    expect(String((logged?.details as { err?: unknown } | undefined)?.err)).toContain('fake unexpected failure');
  });

  it('cancels a job, queued or running, giving back the images of one that never started', async () => {
    const { service, jobs } = await harness();
    const running = new RecordingObserver();
    const waiting = new RecordingObserver();
    const runningJob = await service.submit(request('long delay:30', { numInferenceSteps: 40 }), requester('kate'), running);
    const waitingJob = await service.submit(request('later'), requester('leo'), waiting);

    expect(await service.cancel(waitingJob.jobId)).toBe(true);
    const waitingEnd = await waiting.ended;
    expect(waitingEnd.type === 'failed' && waitingEnd.error.code).toBe('cancelled');
    expect(waiting.events.some((event) => event.type === 'started')).toBe(false);
    expect(await service.remaining('discord:leo')).toMatchObject({ images: 20 });

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await service.cancel(runningJob.jobId)).toBe(true);
    const runningEnd = await running.ended;
    expect(runningEnd.type === 'failed' && runningEnd.error.code).toBe('cancelled');
    const steps = running.events.filter((event) => event.type === 'progress').length;
    expect(steps).toBeLessThan(40);
    expect((await jobs.get(runningJob.jobId))?.status).toBe('cancelled');
    expect(await service.cancel(runningJob.jobId)).toBe(false);
  });

  it('keeps img2img, variations and upscales working across a restart with the same SQLite file', async () => {
    const file = `sqlite://${join(dir, 'restart.sqlite')}`;
    const dataDir = join(dir, 'restart');
    const first = await harness({ dataDir, keyv: new Keyv({ store: new KeyvSqlite(file) }) });
    const upload = await solidPng([10, 200, 30]);
    const img2img = new RecordingObserver();
    const original = await first.service.submit(
      request('from my photo', { init: { source: { kind: 'upload', data: upload }, strength: 0.5 } }),
      requester('mia'),
      img2img,
    );
    const done = await img2img.ended;
    if (done.type !== 'succeeded') throw new Error('expected success');
    expect(await pixel(done.pngs[0] ?? new Uint8Array())).toEqual([10, 200, 30]);
    expect(done.record.request.init?.source.kind).toBe('stored');
    await first.service.attachMessage(original.jobId, { platform: 'discord', channelId: 'c', messageId: 'm' });
    await first.keyv.disconnect();

    // A new process: same data dir, same SQLite file.
    const second = await harness({ dataDir, keyv: new Keyv({ store: new KeyvSqlite(file) }) });
    const found = await second.service.records.findByMessage({ platform: 'discord', channelId: 'c', messageId: 'm' });
    expect(found?.jobId).toBe(original.jobId);

    const reroll = new RecordingObserver();
    await second.service.submit(found?.request ?? request('missing'), requester('mia'), reroll);
    const rerolled = await reroll.ended;
    expect(rerolled.type === 'succeeded' && (await pixel(rerolled.pngs[0] ?? new Uint8Array()))).toEqual([10, 200, 30]);

    const variation = new RecordingObserver();
    await second.service.submit(
      request('variation', { origin: 'variation', init: { source: { kind: 'result', jobId: original.jobId, imageIndex: 0 }, strength: 0.7 } }),
      requester('mia'),
      variation,
    );
    expect((await variation.ended).type).toBe('succeeded');

    const startsBefore = workerEvents.filter((event) => event.type === 'started').length;
    const upscale = new RecordingObserver();
    await second.service.submit(
      request('upscale', { origin: 'upscale', resizeOnly: true, init: { source: { kind: 'result', jobId: original.jobId, imageIndex: 0 }, strength: 0 } }),
      requester('mia'),
      upscale,
    );
    const upscaled = await upscale.ended;
    if (upscaled.type !== 'succeeded') throw new Error('expected success');
    const meta = await sharp(upscaled.pngs[0]).metadata();
    expect([meta.width, meta.height]).toEqual([128, 128]);
    expect(workerEvents.filter((event) => event.type === 'started').length).toBe(startsBefore);

    const gone = await refusal(
      second.service.submit(
        request('variation of nothing', { init: { source: { kind: 'result', jobId: 'no-such-job', imageIndex: 0 }, strength: 0.5 } }),
        requester('mia'),
        new RecordingObserver(),
      ),
    );
    expect(gone.code).toBe('not_found');
    await second.keyv.disconnect();
  });

  it('on shutdown lets the running job finish and keeps the waiting ones, which resume in order on the next start', async () => {
    const keyv = new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, 'shutdown.sqlite')}`) });
    const dataDir = join(dir, 'shutdown');
    const first = await harness({ dataDir, keyv });
    const running = new RecordingObserver();
    const waiting = [new RecordingObserver(), new RecordingObserver()];
    await first.service.submit(request('finishing delay:20', { numInferenceSteps: 10 }), requester('nina'), running);
    const queuedJobs = [
      await first.service.submit(request('w1', { seed: 11 }), requester('omar'), waiting[0] ?? running),
      await first.service.submit(request('w2', { seed: 12 }), requester('pia'), waiting[1] ?? running),
    ];
    await first.service.shutdown(5_000);
    expect((await running.ended).type).toBe('succeeded');
    expect(waiting.flatMap((observer) => observer.events.map((event) => event.type))).not.toContain('failed');
    expect((await refusal(first.service.submit(request('late'), requester('nina'), new RecordingObserver()))).code).toBe('intake_paused');

    // The next process finds them, in the same order, and their conversations get the results.
    const resumed = new Map(queuedJobs.map((job) => [job.jobId, new RecordingObserver()]));
    const second = await harness({ dataDir, keyv, start: false });
    second.service.addResumer({ observerFor: (record) => resumed.get(record.jobId) });
    expect((await second.service.start()).map((job) => job.jobId)).toEqual(queuedJobs.map((job) => job.jobId));
    const endings = await Promise.all(queuedJobs.map((job) => resumed.get(job.jobId)?.ended));
    expect(endings.map((ending) => (ending?.type === 'succeeded' ? ending.record.images.map((image) => image.seed) : ending))).toEqual([[11], [12]]);
    const order = queuedJobs.map((job) => resumed.get(job.jobId)?.startedAt() ?? Infinity);
    expect(order[0]).toBeLessThan(order[1] ?? 0);
    await second.service.shutdown(1_000);
    await keyv.disconnect();
  });

  it('runs a job cut off by the grace period again after the restart, once, and delivers it once', async () => {
    const keyv = new Keyv();
    const dataDir = join(dir, 'cut-off');
    const first = await harness({ dataDir, keyv });
    const running = new RecordingObserver();
    const { jobId } = await first.service.submit(request('endless delay:20', { numInferenceSteps: 20, seed: 31 }), requester('quinn'), running);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.service.shutdown(50);
    expect(running.events.map((event) => event.type)).not.toContain('failed');

    const second = await harness({ dataDir, keyv, start: false });
    const again = new RecordingObserver();
    second.service.addResumer({ observerFor: (record) => (record.jobId === jobId ? again : undefined) });
    expect(await second.service.start()).toEqual([{ jobId, user: 'discord:quinn', wasRunning: true }]);
    const ending = await again.ended;
    expect(ending.type === 'succeeded' && ending.record.images.map((image) => image.seed)).toEqual([31]);
    expect(again.events.filter((event) => event.type === 'restarted')).toHaveLength(1);
    await second.service.shutdown(1_000);
    expect(await second.jobs.takeDelivery(jobId, 'a later process', 1_000)).toEqual({ turn: 'done' });
  });
});
