// The editing options on their way from a GenerateRequest through the job service and the worker
// protocol: a hires job comes back at its larger size and is recorded so.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineClient, type WorkerEvent } from '../../../../src/pipeline/ipc/client.js';
import { fakeClientOptions } from '../../../fixtures/fake-worker/fake-client-options.js';
import { RecordingObserver, makeHarness, request, requester } from '../../../fixtures/fake-worker/service-harness.js';

let dir = '';
let client: PipelineClient;
const workerEvents: WorkerEvent[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-service-editing-'));
  client = await PipelineClient.start({ ...fakeClientOptions({ behaviour: { stepDelayMs: 1 } }), stderr: 'ignore', onEvent: (event) => workerEvents.push(event) });
});

afterAll(async () => {
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

describe('JobService with the editing options', () => {
  it('a hires request reaches the worker: the image comes back 1.5× larger and the record says so', async () => {
    const { service, keyv } = await makeHarness({ generator: client, dataDir: join(dir, 'hires') });
    const observer = new RecordingObserver();
    await service.submit(request('a harbour', { width: 64, height: 64, hires: { scale: 1.5, denoise: 0.5, upscaler: 'latent' } }), requester('hana'), observer);
    const ending = await observer.ended;
    if (ending.type !== 'succeeded') throw new Error(`expected success, got ${ending.type}`);
    const meta = await sharp(ending.pngs[0]).metadata();
    expect([meta.width, meta.height]).toEqual([96, 96]);
    expect(ending.record.images[0]).toMatchObject({ width: 96, height: 96 });
    expect(ending.record.request.hires).toEqual({ scale: 1.5, denoise: 0.5, upscaler: 'latent' });
    await keyv.disconnect();
  });

  it('a resize-only upscale with an upscaler model runs on the worker (the model), not as an in-process Lanczos resize', async () => {
    const { service, keyv } = await makeHarness({ generator: client, dataDir: join(dir, 'upscaler') });
    const first = new RecordingObserver();
    const original = await service.submit(request('a harbour', { seed: 3 }), requester('hana'), first);
    await first.ended;
    const startsBefore = workerEvents.filter((event) => event.type === 'started').length;
    const upscale = new RecordingObserver();
    const init = { source: { kind: 'result', jobId: original.jobId, imageIndex: 0 }, strength: 0.3 } as const;
    await service.submit(request('a harbour', { origin: 'upscale', resizeOnly: true, upscaler: 'oracle-x2', width: 128, height: 128, init }), requester('hana'), upscale);
    const ending = await upscale.ended;
    if (ending.type !== 'succeeded') throw new Error(`expected success, got ${ending.type}`);
    expect(workerEvents.filter((event) => event.type === 'started').length).toBe(startsBefore + 1);
    const meta = await sharp(ending.pngs[0]).metadata();
    expect([meta.width, meta.height]).toEqual([128, 128]);
    await keyv.disconnect();
  });
});
