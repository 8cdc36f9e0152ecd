import { randomUUID } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, parseParentMessage, parseWorkerMessage } from '../../../../src/pipeline/ipc/protocol.js';

const jobId = randomUUID();
const params = {
  prompt: 'a cat',
  negativePrompt: '',
  seed: 42,
  numInferenceSteps: 20,
  guidanceScale: 7,
  sampler: 'euler_a',
  width: 512,
  height: 512,
  count: 1,
};

/** What `serialization: 'advanced'` does to a message on its way through the IPC channel. */
function overTheWire(message: unknown): unknown {
  return deserialize(serialize(message));
}

describe('IPC protocol', () => {
  it.each([
    { name: 'generate with init bytes (Buffer)', message: { type: 'generate', jobId, model: 'sd15', params: { ...params, init: { data: Buffer.from([1, 2, 3]), strength: 0.5 } } } },
    {
      name: 'generate with an image mask, hires fix and upscaler',
      message: {
        type: 'generate',
        jobId,
        model: 'sd15',
        params: {
          ...params,
          init: { data: Buffer.from([1, 2, 3]), strength: 1 },
          mask: { source: { kind: 'image', data: new Uint8Array([4, 5]) }, blur: 4 },
          hires: { scale: 1.5, steps: 10, denoise: 0.5, upscaler: 'latent' },
          upscaler: 'RealESRGAN_x4plus',
        },
      },
    },
    {
      name: 'generate with a region mask and a zoom out',
      message: { type: 'generate', jobId, model: 'sd15', params: { ...params, init: { data: Buffer.from([1, 2, 3]), strength: 1 }, mask: { source: { kind: 'region', region: 'border' }, blur: 0 }, outpaint: { kind: 'zoom', factor: 2 } } },
    },
    { name: 'generate with a pan', message: { type: 'generate', jobId, model: 'sd15', params: { ...params, init: { data: Buffer.from([1, 2, 3]), strength: 1 }, outpaint: { kind: 'pan', direction: 'left' } } } },
    { name: 'cancel', message: { type: 'cancel', jobId } },
    { name: 'shutdown', message: { type: 'shutdown' } },
    { name: 'ping', message: { type: 'ping', nonce: 7 } },
  ])('parent → worker: $name survives the channel and validates', ({ message }) => {
    const parsed = parseParentMessage(overTheWire(message));
    expect(parsed.ok).toBe(true);
    if (parsed.ok && parsed.message.type === 'generate') {
      expect([...(parsed.message.params.init?.data ?? [])]).toEqual([1, 2, 3]);
    }
  });

  it.each([
    { name: 'ready', message: { type: 'ready', protocolVersion: PROTOCOL_VERSION, pid: 1, models: [{ name: 'sd15', kind: 'sd1', resident: true }], provider: 'cpu', loadMs: 12 } },
    { name: 'progress with preview', message: { type: 'progress', jobId, step: 3, total: 20, preview: new Uint8Array([137, 80, 78, 71]) } },
    {
      name: 'result',
      message: {
        type: 'result',
        jobId,
        model: 'sd15',
        images: [{ png: Buffer.from([137, 80]), seed: 42, width: 512, height: 512, nsfw: false }],
        timings: { totalMs: 10, textEncodeMs: 1, denoiseMs: 8, decodeMs: 1, msPerStep: 0.4 },
        truncatedWords: ['extra'],
      },
    },
    { name: 'error without job', message: { type: 'error', code: 'model_unavailable', message: 'no such folder' } },
    { name: 'model-switch', message: { type: 'model-switch', jobId, from: null, to: 'sdxl', ms: 1500 } },
    { name: 'heartbeat', message: { type: 'heartbeat', busy: true } },
  ])('worker → parent: $name survives the channel and validates', ({ message }) => {
    expect(parseWorkerMessage(overTheWire(message))).toMatchObject({ ok: true });
  });

  it.each([
    { name: 'an unknown type', message: { type: 'explode' }, mentions: 'type' },
    { name: 'a job id that is not a UUID', message: { type: 'cancel', jobId: '42' }, mentions: 'jobId' },
    { name: 'a seed above 2^32-1', message: { type: 'generate', jobId, model: 'm', params: { ...params, seed: 2 ** 32 } }, mentions: 'seed' },
    { name: 'an unknown sampler', message: { type: 'generate', jobId, model: 'm', params: { ...params, sampler: 'heun' } }, mentions: 'sampler' },
    { name: 'init bytes as base64 text', message: { type: 'generate', jobId, model: 'm', params: { ...params, init: { data: 'AQID', strength: 0.5 } } }, mentions: 'bytes' },
    { name: 'an unknown mask region', message: { type: 'generate', jobId, model: 'm', params: { ...params, mask: { source: { kind: 'region', region: 'middle' }, blur: 0 } } }, mentions: 'region' },
    { name: 'a pan direction nobody knows', message: { type: 'generate', jobId, model: 'm', params: { ...params, outpaint: { kind: 'pan', direction: 'sideways' } } }, mentions: 'direction' },
    { name: 'a hires scale above 2', message: { type: 'generate', jobId, model: 'm', params: { ...params, hires: { scale: 3, denoise: 0.5, upscaler: 'latent' } } }, mentions: 'scale' },
  ])('parent → worker: rejects $name', ({ message, mentions }) => {
    const parsed = parseParentMessage(message);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(mentions);
  });

  it.each([
    { name: 'progress step without total', message: { type: 'progress', jobId, step: 1 } },
    { name: 'a result without images', message: { type: 'result', jobId, model: 'm', images: [], timings: { totalMs: 0, textEncodeMs: 0, denoiseMs: 0, decodeMs: 0, msPerStep: 0 }, truncatedWords: [] } },
    { name: 'an error code nobody knows', message: { type: 'error', code: 'oops', message: 'x' } },
  ])('worker → parent: rejects $name', ({ message }) => {
    expect(parseWorkerMessage(message).ok).toBe(false);
  });
});
