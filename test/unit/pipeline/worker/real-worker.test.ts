// The real worker process (src/pipeline/worker/worker.ts): on its own, and behind the PipelineClient and the
// job service on an oracle model folder, whose correct image is a flat colour known in closed form.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineClient } from '../../../../src/pipeline/ipc/client.js';
import type { WorkerEvent } from '../../../../src/pipeline/ipc/client.js';
import { PARAMETERS_KEYWORD, parseParameterFields } from '../../../../src/pipeline/image/a1111-parameters.js';
import { PNG_SIGNATURE, readPngText } from '../../../../src/pipeline/image/png-text.js';
import { ClipTokenizer } from '../../../../src/pipeline/text/tokenizer/clip-tokenizer.js';
import { workerArgs } from '../../../../src/pipeline/worker/worker-config.js';
import { WorkerError } from '../../../../src/pipeline/ipc/worker-error.js';
import { RecordingObserver, makeHarness, request, requester } from '../../../fixtures/fake-worker/service-harness.js';
import type { Harness, ObservedEvent } from '../../../fixtures/fake-worker/service-harness.js';
import { ORACLE_DEFAULT_SCALING_FACTOR, oracleColour, oracleGuidedX0, oracleX0, writeSyntheticBenchModel } from '../../../fixtures/oracle/index.js';
import type { Rgb } from '../../../fixtures/oracle/index.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-real-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the real worker process (src/pipeline/worker/worker.ts)', () => {
  it('starts under tsx and refuses a folder that is not a model, saying which and why', async () => {
    const error = await PipelineClient.start({
      args: workerArgs({ models: [{ name: 'not-a-model', dir }], pipeline: { provider: 'cpu' } }),
      stderr: 'ignore',
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(WorkerError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'model_unavailable' });
    expect((error as WorkerError).message).toContain("'not-a-model'");
  });
});

const MODEL = 'oracle';
/** A small 3×3 conv stack next to the oracle: a 512² step costs a few ms, like a (very small) UNet. */
const CONV_CHANNELS = 32;
const CONV_LAYERS = 3;
const PREVIEW_EVERY = 2;
/** A SIGSTOPped worker sends nothing; short enough for a quick test, long enough for a loaded machine. */
const HEARTBEAT_TIMEOUT_MS = 4_000;
/** Rounding of the decoder's output; the oracle's colours for different prompts are far apart. */
const COLOUR_TOLERANCE = 2;
/** The long side of a preview, whatever the image size. */
const MAX_PREVIEW_SIDE = 256;
/** A job long enough to be interrupted mid-way even on a fast machine: steps at 512². */
const LONG_JOB = { width: 512, height: 512, numInferenceSteps: 120 } as const;
const SHORT_JOB = { width: 64, height: 64, numInferenceSteps: 4 } as const;

describe('the real worker behind the client and the job service, on an oracle model', () => {
  let client: PipelineClient;
  let tokenizer: ClipTokenizer;
  const workerEvents: WorkerEvent[] = [];
  let harnessCount = 0;

  beforeAll(async () => {
    const modelDir = join(dir, MODEL);
    await writeSyntheticBenchModel(modelDir, { channels: CONV_CHANNELS, layers: CONV_LAYERS });
    tokenizer = await ClipTokenizer.fromFolder(join(modelDir, 'tokenizer'));
    client = await PipelineClient.start({
      args: workerArgs({
        models: [{ name: MODEL, dir: modelDir, kind: 'sd1' }],
        pipeline: { provider: 'cpu', allowCpuFallback: false, previewEvery: PREVIEW_EVERY, threads: 1 },
      }),
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      stderr: 'ignore',
      onEvent: (event) => workerEvents.push(event),
    });
  });

  afterAll(async () => {
    await client?.close();
  });

  function harness(): Promise<Harness> {
    return makeHarness({ generator: client, dataDir: join(dir, `service-${harnessCount++}`), models: [MODEL] });
  }

  /** The flat colour a correct pipeline paints, from the closed form. */
  function oracleRgb(prompt: string, negativePrompt: string, guidanceScale: number): Rgb {
    const cond = tokenizer.encode(prompt).inputIds;
    const x0 = guidanceScale > 1 ? oracleGuidedX0({}, cond, tokenizer.encode(negativePrompt).inputIds, guidanceScale) : oracleX0({}, cond);
    return oracleColour({}, x0, ORACLE_DEFAULT_SCALING_FACTOR);
  }

  /** The largest gap, over every pixel and channel, between the PNG and the oracle colour. */
  async function colourError(png: Uint8Array, expected: Rgb): Promise<number> {
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    let worst = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      expected.forEach((channel, c) => {
        worst = Math.max(worst, Math.abs((data[i + c] ?? Number.NaN) - channel));
      });
    }
    return worst;
  }

  async function succeeded(observer: RecordingObserver): Promise<Extract<ObservedEvent, { type: 'succeeded' }>> {
    const ending = await observer.ended;
    if (ending.type === 'failed') throw new Error(`expected images, got ${ending.error.code}: ${ending.error.message}`);
    if (ending.type !== 'succeeded') throw new Error(`expected images, got ${ending.type}`);
    return ending;
  }

  async function failed(observer: RecordingObserver): Promise<Extract<ObservedEvent, { type: 'failed' }>> {
    const ending = await observer.ended;
    if (ending.type !== 'failed') throw new Error('expected a failure, got images');
    return ending;
  }

  it('takes a job to PNGs in the oracle colour carrying their parameters, with progress and previews on the way', async () => {
    const { service, jobs, images } = await harness();
    const observer = new PreviewObserver();
    const job = { negativePrompt: 'blurry', guidanceScale: 5, seed: 42, numInferenceSteps: 6, width: 128, height: 64, count: 2 };
    const { jobId } = await service.submit(request('a red fox', { ...job, model: MODEL }), requester('ann'), observer);
    const { pngs, record } = await succeeded(observer);

    const expected = oracleRgb('a red fox', 'blurry', 5);
    expect(pngs).toHaveLength(2);
    for (const [index, png] of pngs.entries()) {
      expect(await colourError(png, expected)).toBeLessThanOrEqual(COLOUR_TOLERANCE);
      const text = readPngText(png).get(PARAMETERS_KEYWORD) ?? '';
      expect(text.split('\n').slice(0, 2)).toEqual(['a red fox', 'Negative prompt: blurry']);
      expect(Object.fromEntries(parseParameterFields(text))).toMatchObject({
        Steps: '6',
        'CFG scale': '5',
        Seed: String(record.images[index]?.seed),
        Size: '128x64',
        Model: MODEL,
      });
      expect(await sharp(png).metadata()).toMatchObject({ width: 128, height: 64 });
    }
    expect(record.images.map((image) => image.seed)).toContain(42);
    expect(new Set(record.images.map((image) => image.seed)).size).toBe(2);
    const stored = await images.get(record.images[0]?.imageId ?? '');
    expect(new Uint8Array(stored ?? [])).toEqual(new Uint8Array(pngs[0] ?? []));
    expect((await jobs.get(jobId))?.status).toBe('succeeded');

    const steps = observer.events.flatMap((event) => (event.type === 'progress' ? [event.step] : []));
    expect([...new Set(steps)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(observer.previews.length).toBeGreaterThanOrEqual(2);
    for (const preview of observer.previews) {
      expect([...preview.subarray(0, PNG_SIGNATURE.length)]).toEqual([...PNG_SIGNATURE]);
      const { width = 0, height = 0 } = await sharp(preview).metadata();
      expect(Math.min(width, height)).toBeGreaterThan(0);
      expect(Math.max(width, height)).toBeLessThanOrEqual(MAX_PREVIEW_SIDE);
    }
  });

  it('SIGKILL of the worker mid-job fails that job with worker_crashed; a fresh worker paints the queued jobs right', async () => {
    const { service, jobs } = await harness();
    const killedPid = client.pid;
    const doomed = new PreviewObserver(() => {
      if (killedPid !== undefined) process.kill(killedPid, 'SIGKILL');
    });
    const queued = [new RecordingObserver('b'), new RecordingObserver('c')];
    const doomedJob = await service.submit(request('doomed', { ...LONG_JOB, model: MODEL }), requester('gina'), doomed);
    await service.submit(request('a blue boat', { ...SHORT_JOB, model: MODEL }), requester('hank'), queued[0] ?? doomed);
    await service.submit(request('a green hill', { ...SHORT_JOB, model: MODEL, guidanceScale: 3 }), requester('ivan'), queued[1] ?? doomed);

    const { error } = await failed(doomed);
    expect(error.code).toBe('worker_crashed');
    expect(error.message).toContain(doomedJob.jobId);
    expect((await jobs.get(doomedJob.jobId))?.error?.code).toBe('worker_crashed');
    expect(Math.max(...doomed.events.flatMap((event) => (event.type === 'progress' ? [event.step] : [])))).toBeLessThan(LONG_JOB.numInferenceSteps);

    const [boat, hill] = await Promise.all(queued.map(succeeded));
    expect(await colourError(boat?.pngs[0] ?? new Uint8Array(), oracleRgb('a blue boat', '', 7))).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    expect(await colourError(hill?.pngs[0] ?? new Uint8Array(), oracleRgb('a green hill', '', 3))).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    expect(client.pid).not.toBe(killedPid);
    expect(workerEvents).toContainEqual(expect.objectContaining({ type: 'exit', pid: killedPid, exit: expect.objectContaining({ signal: 'SIGKILL' }) }));
    expect(workerEvents).toContainEqual(expect.objectContaining({ type: 'ready', pid: client.pid }));
  });

  it('a cancel reaches the denoising loop: the job stops between steps and the same worker takes the next job', async () => {
    const { service, jobs } = await harness();
    const pid = client.pid;
    const exitsBefore = workerEvents.filter((event) => event.type === 'exit').length;
    const running = new PreviewObserver();
    const { jobId } = await service.submit(request('a long walk', { ...LONG_JOB, model: MODEL }), requester('kate'), running);
    await running.firstProgress;
    expect(await service.cancel(jobId)).toBe(true);

    const { error } = await failed(running);
    expect(error.code).toBe('cancelled');
    expect((await jobs.get(jobId))?.status).toBe('cancelled');
    const lastStep = Math.max(...running.events.flatMap((event) => (event.type === 'progress' ? [event.step] : [])));
    expect(lastStep).toBeLessThan(LONG_JOB.numInferenceSteps);

    const next = new RecordingObserver();
    await service.submit(request('a short walk', { ...SHORT_JOB, model: MODEL }), requester('kate'), next);
    const { pngs } = await succeeded(next);
    expect(await colourError(pngs[0] ?? new Uint8Array(), oracleRgb('a short walk', '', 7))).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    // The worker stopped the job itself: it was not killed for ignoring the cancel.
    expect(client.pid).toBe(pid);
    expect(workerEvents.filter((event) => event.type === 'exit')).toHaveLength(exitsBefore);
  });

  it('a hung (SIGSTOPped) worker fails its job with timed_out after the heartbeat timeout; a fresh worker takes the next job', async () => {
    const { service, jobs } = await harness();
    const stoppedPid = client.pid;
    const stuck = new PreviewObserver(() => {
      if (stoppedPid !== undefined) process.kill(stoppedPid, 'SIGSTOP');
    });
    try {
      const { jobId } = await service.submit(request('stuck', { ...LONG_JOB, model: MODEL }), requester('lena'), stuck);
      const next = new RecordingObserver();
      await service.submit(request('unstuck', { ...SHORT_JOB, model: MODEL }), requester('mo'), next);

      const { error, at } = await failed(stuck);
      expect(error.code).toBe('timed_out');
      expect((await jobs.get(jobId))?.error?.code).toBe('timed_out');
      expect(at - (stuck.firstProgressAt ?? at)).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_MS - 1_000);

      const { pngs } = await succeeded(next);
      expect(await colourError(pngs[0] ?? new Uint8Array(), oracleRgb('unstuck', '', 7))).toBeLessThanOrEqual(COLOUR_TOLERANCE);
      expect(client.pid).not.toBe(stoppedPid);
    } finally {
      // Never leave a stopped process behind, whatever the client did with it.
      if (stoppedPid !== undefined) resumeIfAlive(stoppedPid);
    }
  });
});

/** Keeps the preview bytes, and runs `onFirstProgress` at the first step (to kill or stop the worker mid-job). */
class PreviewObserver extends RecordingObserver {
  readonly previews: Uint8Array[] = [];
  readonly firstProgress: Promise<void>;
  firstProgressAt: number | undefined;
  private resolveFirst: () => void = () => undefined;

  constructor(private readonly onFirstProgress: () => void = () => undefined) {
    super();
    this.firstProgress = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
  }

  override onProgress(step: number, total: number, preview?: Uint8Array): void {
    super.onProgress(step, total, preview);
    if (preview !== undefined) this.previews.push(preview);
    if (this.firstProgressAt !== undefined) return;
    this.firstProgressAt = performance.now();
    this.onFirstProgress();
    this.resolveFirst();
  }
}

function resumeIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // Already gone: the client killed it.
  }
}
