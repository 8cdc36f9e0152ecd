// What a user of the pipeline notices: sizes, seeds, batches, progress, cancellation, metadata.
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../src/pipeline/errors.js';
import { parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { StableDiffusionPipeline } from '../../../src/pipeline/sd/stable-diffusion.js';
import type { GenerationParams, GenerationProgress } from '../../../src/pipeline/types.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import { decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const BASE: GenerationParams = {
  prompt: 'a lighthouse at dusk',
  negativePrompt: '',
  seed: 1234,
  numInferenceSteps: 6,
  guidanceScale: 4,
  sampler: 'euler_a',
  width: 64,
  height: 64,
  count: 1,
};

describe('StableDiffusionPipeline on an oracle model', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ vaeEncoder: 'latent_parameters' });
  });
  afterAll(async () => model?.dispose());

  it('makes non-square images width × height, not swapped', async () => {
    const result = await model.pipeline.generate({ ...BASE, width: 96, height: 40 });
    const image = await decodePng(result.images[0]!.png);
    expect([image.width, image.height]).toEqual([96, 40]);
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([96, 40]);
    expect(maxColourError(image, model.expectedColour(BASE.prompt, '', BASE.guidanceScale))).toBeLessThanOrEqual(2);
  });

  it('gives byte-identical PNGs for the same request and seed', async () => {
    const a = await model.pipeline.generate(BASE);
    const b = await model.pipeline.generate(BASE);
    expect(Buffer.from(a.images[0]!.png).equals(Buffer.from(b.images[0]!.png))).toBe(true);
  });

  it('makes count images with seeds seed, seed+1, … in one UNet call per step, each as if made alone', async () => {
    const before = model.pipeline.runStats().unet!.runs;
    const batch = await model.pipeline.generate({ ...BASE, count: 3, sampler: 'euler_a' });
    expect(model.pipeline.runStats().unet!.runs - before).toBe(BASE.numInferenceSteps);
    expect(batch.images.map((i) => i.seed)).toEqual([1234, 1235, 1236]);
    for (const image of batch.images) {
      expect(parseParameterFields(readPngText(image.png).get('parameters')!).get('Seed')).toBe(String(image.seed));
    }
    const alone = await model.pipeline.generate({ ...BASE, seed: 1235 });
    const fromBatch = await decodePng(batch.images[1]!.png);
    const single = await decodePng(alone.images[0]!.png);
    expect(maxColourError(fromBatch, [...single.pixels.subarray(0, 3)])).toBeLessThanOrEqual(1);
  });

  it('uses one UNet call per step with guidance and one of batch 1 without', async () => {
    for (const guidanceScale of [7, 1, 0]) {
      const before = model.pipeline.runStats().unet!.runs;
      const result = await model.pipeline.generate({ ...BASE, guidanceScale });
      expect(model.pipeline.runStats().unet!.runs - before).toBe(BASE.numInferenceSteps);
      const image = await decodePng(result.images[0]!.png);
      expect(maxColourError(image, model.expectedColour(BASE.prompt, '', guidanceScale))).toBeLessThanOrEqual(2);
    }
  });

  it('writes A1111 parameters that this bot reproduces the image from', async () => {
    const result = await model.pipeline.generate({ ...BASE, negativePrompt: 'fog', seed: 99, sampler: 'dpmpp_2m_karras', width: 72, height: 56 });
    const text = readPngText(result.images[0]!.png).get('parameters')!;
    expect(text.split('\n')[0]).toBe(BASE.prompt);
    expect(text.split('\n')[1]).toBe('Negative prompt: fog');
    expect(Object.fromEntries(parseParameterFields(text))).toMatchObject({
      Steps: '6',
      Sampler: 'DPM++ 2M',
      'Schedule type': 'Karras',
      'CFG scale': '4',
      Seed: '99',
      Size: '72x56',
      Model: 'oracle',
    });
  });

  it('reports every step and sends small previews every few steps', async () => {
    const events: GenerationProgress[] = [];
    await model.pipeline.generate({ ...BASE, numInferenceSteps: 6, count: 2 }, { previewEvery: 2, onProgress: (p) => events.push(p) });
    const steps = events.filter((e) => e.preview === undefined);
    expect(steps.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps.every((e) => e.total === 6)).toBe(true);
    const previews = events.filter((e) => e.preview !== undefined);
    expect(previews.map((e) => e.step)).toEqual([2, 4]);
    for (const preview of previews) {
      const meta = await sharp(preview.preview!).metadata();
      expect(meta.format).toBe('png');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
      expect(meta.width).toBe(16); // two 8-px latent tiles side by side
    }
  });

  it('stops between steps when cancelled', async () => {
    const controller = new AbortController();
    const before = model.pipeline.runStats().unet!.runs;
    const run = model.pipeline.generate({ ...BASE, numInferenceSteps: 20 }, {
      signal: controller.signal,
      onProgress: (p) => p.step === 2 && controller.abort(),
    });
    await expect(run).rejects.toSatisfy((error: unknown) => isPipelineError(error, 'cancelled'));
    expect(model.pipeline.runStats().unet!.runs - before).toBeLessThanOrEqual(3);
  });

  it('refuses sizes that are not multiples of 8, naming the option', async () => {
    await expect(model.pipeline.generate({ ...BASE, width: 100 })).rejects.toThrow(/width must be a multiple of 8.*got 100/);
    await expect(model.pipeline.generate({ ...BASE, count: 5 })).rejects.toThrow(/count must be an integer 1–4, got 5/);
  });

  describe('img2img', () => {
    let init: Buffer;
    beforeAll(async () => {
      init = await sharp({ create: { width: 128, height: 96, channels: 3, background: { r: 200, g: 40, b: 90 } } }).jpeg({ quality: 95 }).toBuffer();
    });

    it('strength 0 returns the init image, resized and cropped to the target size', async () => {
      const result = await model.pipeline.generate({ ...BASE, init: { data: init, strength: 0 } });
      const image = await decodePng(result.images[0]!.png);
      expect([image.width, image.height]).toEqual([64, 64]);
      expect(maxColourError(image, [200, 40, 90])).toBeLessThanOrEqual(3);
    });

    it('strength 0.5 runs ⌊steps·strength⌋ steps and ends on the prompt colour', async () => {
      const before = model.pipeline.runStats().unet!.runs;
      const result = await model.pipeline.generate({ ...BASE, numInferenceSteps: 10, init: { data: init, strength: 0.5 } });
      expect(model.pipeline.runStats().unet!.runs - before).toBe(5);
      const image = await decodePng(result.images[0]!.png);
      expect(maxColourError(image, model.expectedColour(BASE.prompt, '', BASE.guidanceScale))).toBeLessThanOrEqual(2);
      expect(parseParameterFields(readPngText(result.images[0]!.png).get('parameters')!).get('Denoising strength')).toBe('0.5');
    });

    it('strength 1 is txt2img', async () => {
      const plain = await model.pipeline.generate(BASE);
      const full = await model.pipeline.generate({ ...BASE, init: { data: init, strength: 1 } });
      expect(Buffer.from((await decodePng(full.images[0]!.png)).pixels).equals((await decodePng(plain.images[0]!.png)).pixels)).toBe(true);
    });

    it('rejects bytes that are not an image, and images over the pixel limit', async () => {
      await expect(model.pipeline.generate({ ...BASE, init: { data: Buffer.from('not an image at all'), strength: 0.5 } })).rejects.toSatisfy(
        (error: unknown) => isPipelineError(error, 'invalid_init_image'),
      );
      const limited = await StableDiffusionPipeline.load(model.dir, 'limited', { provider: 'cpu', allowCpuFallback: false, previewEvery: 0, safetyChecker: false, maxInitPixels: 100 * 100 });
      try {
        await expect(limited.generate({ ...BASE, init: { data: init, strength: 0.5 } })).rejects.toThrow(/128x96.*limit is 10000 pixels/);
      } finally {
        await limited.release();
      }
    });
  });
});

describe('model folder problems', () => {
  it('names the missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagine-broken-'));
    try {
      await writeOracleModel(dir);
      await unlink(join(dir, 'unet', 'model.onnx'));
      await expect(StableDiffusionPipeline.load(dir, 'broken', { provider: 'cpu', allowCpuFallback: false, previewEvery: 0, safetyChecker: false })).rejects.toThrow(
        /unet\/model\.onnx is missing/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a provider that cannot start, and falls back to cpu only when allowed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagine-provider-'));
    try {
      await writeOracleModel(dir);
      const options = { allowCpuFallback: false, previewEvery: 0, safetyChecker: false } as const;
      await expect(StableDiffusionPipeline.load(dir, 'p', { ...options, provider: 'cuda' })).rejects.toThrow(/execution provider "cuda" could not start/);
      const warnings: string[] = [];
      const pipeline = await StableDiffusionPipeline.load(dir, 'p', { ...options, provider: 'cuda', allowCpuFallback: true, onWarning: (m) => warnings.push(m) });
      expect(pipeline.info.provider).toBe('cpu');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/cuda.*falling back to cpu/);
      await pipeline.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
