import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineClient } from '../../../../src/pipeline/ipc/client.js';
import type { GenerationJob, WorkerEvent } from '../../../../src/pipeline/ipc/client.js';
import { PROTOCOL_VERSION } from '../../../../src/pipeline/ipc/protocol.js';
import type { GenerationParams, GenerationProgress } from '../../../../src/pipeline/types.js';
import { WorkerError } from '../../../../src/pipeline/ipc/worker-error.js';
import { colourOf } from '../../../fixtures/fake-worker/fake-model.js';
import { fakeClientOptions } from '../../../fixtures/fake-worker/fake-client-options.js';
import type { FakeClientSetup } from '../../../fixtures/fake-worker/fake-client-options.js';

const clients: PipelineClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function startClient(setup: FakeClientSetup = {}, events: WorkerEvent[] = []): Promise<PipelineClient> {
  const options = fakeClientOptions(setup);
  const client = await PipelineClient.start({ ...options, stderr: 'ignore', onEvent: (event) => events.push(event) });
  clients.push(client);
  return client;
}

function job(prompt: string, overrides: Partial<GenerationParams> = {}, model = 'fake-sd1'): GenerationJob {
  return {
    jobId: randomUUID(),
    model,
    params: {
      prompt,
      negativePrompt: '',
      seed: 1000,
      numInferenceSteps: 4,
      guidanceScale: 7,
      sampler: 'euler_a',
      width: 64,
      height: 48,
      count: 1,
      ...overrides,
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<WorkerError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!WorkerError.is(error)) throw new Error(`expected a WorkerError, got ${String(error)}`);
  return error;
}

describe('PipelineClient with the fake worker', () => {
  it('announces protocol version, models with kinds and the provider in use', async () => {
    const client = await startClient({
      config: { models: [{ name: 'a', dir: 'x', kind: 'sd1' }, { name: 'b', dir: 'y', kind: 'sdxl' }] },
    });
    expect(client.info).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      provider: 'cpu',
      models: [
        { name: 'a', kind: 'sd1', resident: true },
        { name: 'b', kind: 'sdxl', resident: false },
      ],
    });
  });

  it('returns real PNGs for every seed and streams each step with previews', async () => {
    const client = await startClient({ config: { pipeline: { previewEvery: 2 } } });
    const progress: GenerationProgress[] = [];
    const result = await client.generate(job('a cat', { count: 3, seed: 41 }), { onProgress: (p) => progress.push(p) });

    expect(result.images.map((image) => image.seed)).toEqual([41, 42, 43]);
    for (const image of result.images) {
      const { data, info } = await sharp(image.png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([64, 48]);
      expect([...data.subarray(0, 3)]).toEqual(colourOf(image.seed));
    }
    expect(progress.map((p) => [p.step, p.total, p.preview !== undefined])).toEqual([
      [1, 4, false],
      [2, 4, true],
      [3, 4, false],
      [4, 4, true],
    ]);
  });

  it.each([
    { how: 'SIGKILL', word: 'crash-at:2', code: 'worker_crashed', mentions: 'SIGKILL' },
    { how: 'process.exit', word: 'exit-at:2', code: 'worker_crashed', mentions: 'exit code 70' },
    { how: 'a hang (no heartbeats)', word: 'hang-at:2', code: 'timed_out', mentions: 'stopped responding' },
  ])('$how mid-job fails that job with $code; queued jobs run on a fresh worker', async ({ word, code, mentions }) => {
    const events: WorkerEvent[] = [];
    const client = await startClient({}, events);
    const firstPid = client.pid;

    const doomed = client.generate(job(`boom ${word}`));
    const waiting = client.generate(job('next one', { seed: 7 }));
    const error = await rejection(doomed);
    expect(error.code).toBe(code);
    expect(error.message).toContain(mentions);

    const survivor = await waiting;
    expect(survivor.images[0]?.seed).toBe(7);
    const later = await client.generate(job('and another', { seed: 8 }));
    expect(later.images[0]?.seed).toBe(8);
    expect(client.pid).not.toBe(firstPid);
    expect(events.filter((event) => event.type === 'ready')).toHaveLength(2);
  });

  it('fails a job that outlives its deadline with timed_out and replaces a worker that will not let go', async () => {
    const client = await startClient({ client: { jobDeadlineMs: 300, cancelGraceMs: 200 } });
    const firstPid = client.pid;
    const error = await rejection(client.generate(job('slow stall-at:1')));
    expect(error.code).toBe('timed_out');
    expect(error.message).toContain('longer than');
    const next = await client.generate(job('fine', { seed: 3 }));
    expect(next.images[0]?.seed).toBe(3);
    expect(client.pid).not.toBe(firstPid);
  });

  it('cancels a running job between steps without restarting the worker', async () => {
    const client = await startClient({ behaviour: { stepDelayMs: 30 } });
    const pid = client.pid;
    const controller = new AbortController();
    const steps: number[] = [];
    const running = client.generate(job('long', { numInferenceSteps: 50 }), {
      signal: controller.signal,
      onProgress: (p) => {
        steps.push(p.step);
        if (p.step === 2) controller.abort();
      },
    });
    expect((await rejection(running)).code).toBe('cancelled');
    expect(Math.max(...steps)).toBeLessThan(5);
    expect((await client.generate(job('after'))).images).toHaveLength(1);
    expect(client.pid).toBe(pid);
  });

  it('cancels a job still waiting inside the worker', async () => {
    const client = await startClient({ behaviour: { stepDelayMs: 20 } });
    const first = client.generate(job('first'));
    const controller = new AbortController();
    const second = client.generate(job('second'), { signal: controller.signal });
    controller.abort();
    expect((await rejection(second)).code).toBe('cancelled');
    expect((await first).images).toHaveLength(1);
  });

  it.each([
    { word: 'fail', code: 'generation_failed' },
    { word: 'invalid', code: 'invalid_params' },
  ])('reports a job that throws ($word) as $code and keeps serving', async ({ word, code }) => {
    const client = await startClient();
    const error = await rejection(client.generate(job(`x ${word}`)));
    expect(error.code).toBe(code);
    expect(error.jobId).toBeDefined();
    expect((await client.generate(job('fine'))).images).toHaveLength(1);
  });

  it('keeps one model resident, switching on demand and reporting the switch time', async () => {
    const events: WorkerEvent[] = [];
    const client = await startClient(
      {
        behaviour: { loadDelayMs: 60 },
        config: { models: [{ name: 'a', dir: 'x' }, { name: 'b', dir: 'y' }] },
      },
      events,
    );
    const result = await client.generate(job('on b', {}, 'b'));
    expect(result.model).toBe('b');
    await client.generate(job('on b again', {}, 'b'));
    const switches = events.filter((event) => event.type === 'model-switch');
    expect(switches).toHaveLength(1);
    expect(switches[0]).toMatchObject({ from: 'a', to: 'b' });
    expect(switches[0]?.type === 'model-switch' && switches[0].ms).toBeGreaterThanOrEqual(50);

    const unknown = await rejection(client.generate(job('nope', {}, 'missing')));
    expect(unknown.code).toBe('model_unavailable');
    expect(unknown.message).toContain('a, b');
  });

  it('does not mistake a model load that blocks the event loop for a hang', async () => {
    const client = await startClient({
      // Like a real load, it first awaits (heartbeats still go out after `loading`), then blocks
      // the event loop for twice the heartbeat timeout. The timeout leaves room for a busy
      // machine to delay ordinary heartbeats (every 50 ms) without a false alarm.
      behaviour: { loadDelayMs: 200, loadBlocksMs: 3_000 },
      config: { models: [{ name: 'a', dir: 'x' }, { name: 'b', dir: 'y' }] },
      client: { heartbeatTimeoutMs: 1_500 },
    });
    const pid = client.pid;
    const result = await client.generate(job('switch', {}, 'b'));
    expect(result.model).toBe('b');
    expect(client.pid).toBe(pid);
  });

  it('refuses to start when the model cannot be loaded, saying which', async () => {
    const error = await rejection(
      PipelineClient.start({ ...fakeClientOptions({ behaviour: { failLoad: ['fake-sd1'] } }), stderr: 'ignore' }),
    );
    expect(error.code).toBe('model_unavailable');
    expect(error.message).toContain("'fake-sd1'");
  });

  it('on close, stops the worker and fails what was in flight', async () => {
    const client = await startClient({ behaviour: { stepDelayMs: 50 } });
    const pid = client.pid;
    const inFlight = rejection(client.generate(job('long', { numInferenceSteps: 100 })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.close();
    expect(['cancelled', 'shutting_down']).toContain((await inFlight).code);
    expect(pid === undefined ? false : isAlive(pid)).toBe(false);
    expect((await rejection(client.generate(job('late')))).code).toBe('shutting_down');
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
