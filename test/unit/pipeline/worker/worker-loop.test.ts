import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WorkerMessage } from '../../../../src/pipeline/ipc/protocol.js';
import type { GenerationParams } from '../../../../src/pipeline/types.js';
import type { WorkerChannel } from '../../../../src/pipeline/ipc/worker-channel.js';
import { workerConfigSchema } from '../../../../src/pipeline/worker/worker-config.js';
import type { WorkerConfigInput } from '../../../../src/pipeline/worker/worker-config.js';
import { EXIT_LOAD_FAILED, WorkerLoop } from '../../../../src/pipeline/worker/worker-loop.js';
import type { ModelLoader } from '../../../../src/pipeline/worker/worker-loop.js';
import { loadFakeModel } from '../../../fixtures/fake-worker/fake-model.js';

/** The IPC channel, in memory: the process boundary is the one thing faked here. */
class MemoryChannel implements WorkerChannel {
  readonly sent: WorkerMessage[] = [];
  private handler: (value: unknown) => void = () => undefined;
  private waiters: Array<() => void> = [];

  async send(message: WorkerMessage): Promise<void> {
    this.sent.push(message);
    for (const wake of this.waiters.splice(0)) wake();
  }

  onMessage(handler: (value: unknown) => void): void {
    this.handler = handler;
  }

  onDisconnect(): void {}

  deliver(value: unknown): void {
    this.handler(value);
  }

  async waitFor(predicate: (message: WorkerMessage) => boolean): Promise<WorkerMessage> {
    for (;;) {
      const found = this.sent.find(predicate);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

const params: GenerationParams = {
  prompt: 'x',
  negativePrompt: '',
  seed: 1,
  numInferenceSteps: 2,
  guidanceScale: 7,
  sampler: 'euler',
  width: 8,
  height: 8,
  count: 1,
};

function setup(config: Partial<WorkerConfigInput> = {}, failLoad: string[] = []) {
  const channel = new MemoryChannel();
  const exits: number[] = [];
  const loads: string[] = [];
  const releases: string[] = [];
  const loadModel: ModelLoader = async (entry, workerConfig) => {
    loads.push(entry.name);
    const model = await loadFakeModel(entry, workerConfig, { stepDelayMs: 1, loadDelayMs: 0, loadBlocksMs: 0, failLoad });
    return { info: model.info, generate: (p, o) => model.generate(p, o), release: async () => void releases.push(entry.name) };
  };
  const loop = new WorkerLoop({
    config: workerConfigSchema.parse({ models: [{ name: 'a', dir: 'x' }, { name: 'b', dir: 'y' }], heartbeatMs: 10_000, ...config }),
    channel,
    loadModel,
    logError: () => undefined,
    exit: (code) => void exits.push(code),
  });
  return { channel, exits, loads, releases, loop };
}

describe('WorkerLoop', () => {
  it('answers an invalid message with bad_message and keeps going', async () => {
    const { channel, loop } = setup();
    await loop.start();
    channel.deliver({ type: 'generate', jobId: 'not-a-uuid' });
    expect(await channel.waitFor((m) => m.type === 'error')).toMatchObject({ type: 'error', code: 'bad_message' });
    channel.deliver({ type: 'ping', nonce: 3 });
    expect(await channel.waitFor((m) => m.type === 'pong')).toEqual({ type: 'pong', nonce: 3 });
  });

  it('keeps one model resident: releases the old one before loading the next', async () => {
    const { channel, loop, loads, releases } = setup();
    await loop.start();
    const jobId = randomUUID();
    channel.deliver({ type: 'generate', jobId, model: 'b', params });
    await channel.waitFor((m) => m.type === 'result' && m.jobId === jobId);
    expect(loads).toEqual(['a', 'b']);
    expect(releases).toEqual(['a']);
    const order = channel.sent.map((m) => m.type).filter((type) => type !== 'progress');
    expect(order).toEqual(['loading', 'ready', 'started', 'loading', 'model-switch', 'result']);
  });

  it('reports the idle gap between consecutive jobs', async () => {
    const { channel, loop } = setup();
    await loop.start();
    const [first, second] = [randomUUID(), randomUUID()];
    channel.deliver({ type: 'generate', jobId: first, model: 'a', params });
    channel.deliver({ type: 'generate', jobId: second, model: 'a', params });
    await channel.waitFor((m) => m.type === 'result' && m.jobId === second);
    const started = channel.sent.filter((m) => m.type === 'started');
    expect(started[0]).toMatchObject({ jobId: first, idleMs: null });
    expect(started[1]?.type === 'started' && started[1].idleMs).toBeLessThan(50);
  });

  it('exits with EXIT_LOAD_FAILED after saying which model could not be loaded', async () => {
    const { channel, loop, exits } = setup({}, ['a']);
    await loop.start();
    expect(channel.sent).toEqual([{ type: 'loading', model: 'a' }, expect.objectContaining({ type: 'error', code: 'model_unavailable' })]);
    expect(exits).toEqual([EXIT_LOAD_FAILED]);
  });

  it('on shutdown fails waiting jobs, releases the model and exits 0', async () => {
    const { channel, loop, exits, releases } = setup();
    await loop.start();
    const [running, waiting] = [randomUUID(), randomUUID()];
    channel.deliver({ type: 'generate', jobId: running, model: 'a', params: { ...params, numInferenceSteps: 1000 } });
    channel.deliver({ type: 'generate', jobId: waiting, model: 'a', params });
    await channel.waitFor((m) => m.type === 'progress');
    channel.deliver({ type: 'shutdown' });
    await channel.waitFor((m) => m.type === 'error' && m.jobId === running);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const errors = channel.sent.flatMap((m) => (m.type === 'error' ? [[m.jobId, m.code]] : []));
    expect(errors).toEqual(expect.arrayContaining([[waiting, 'shutting_down'], [running, 'cancelled']]));
    expect(releases).toEqual(['a']);
    expect(exits).toEqual([0]);
  });
});
