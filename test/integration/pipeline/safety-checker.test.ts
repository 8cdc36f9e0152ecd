// The folder's safety checker runs on the final images and its flag is reported per image; the
// pipeline never alters a flagged image. The oracle checker flags a mean red above 0.5.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationParams } from '../../../src/pipeline/types.js';
import { decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const RED_THRESHOLD = 0.5;
const BASE: GenerationParams = {
  prompt: 'a photo of a cat',
  negativePrompt: '',
  seed: 8,
  numInferenceSteps: 4,
  guidanceScale: 4,
  sampler: 'euler',
  width: 48,
  height: 32,
  count: 2,
};
const FOX = 'a red fox in snow';

describe('safety checker on', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ safetyRedThreshold: RED_THRESHOLD, vaeEncoder: 'latent_sample' });
  });
  afterAll(async () => model?.dispose());

  it('the two prompts fall on either side of the threshold', () => {
    expect(model.expectedColour(BASE.prompt, '', BASE.guidanceScale)[0] / 255).toBeGreaterThan(RED_THRESHOLD + 0.02);
    expect(model.expectedColour(FOX, '', BASE.guidanceScale)[0] / 255).toBeLessThan(RED_THRESHOLD - 0.02);
  });

  it('flags every image of a red result in one batched call, and leaves the pixels alone', async () => {
    expect(model.pipeline.info.hasSafetyChecker).toBe(true);
    const before = model.pipeline.runStats().safetyChecker!.runs;
    const result = await model.pipeline.generate(BASE);
    expect(model.pipeline.runStats().safetyChecker!.runs - before).toBe(1);
    expect(result.images.map((image) => image.nsfw)).toEqual([true, true]);
    for (const image of result.images) {
      expect(maxColourError(await decodePng(image.png), model.expectedColour(BASE.prompt, '', BASE.guidanceScale))).toBeLessThanOrEqual(2);
    }
  });

  it('does not flag a result below the threshold', async () => {
    const result = await model.pipeline.generate({ ...BASE, prompt: FOX });
    expect(result.images.map((image) => image.nsfw)).toEqual([false, false]);
  });

  it('checks the image strength 0 returns, too', async () => {
    const red = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 220, g: 30, b: 40 } } }).png().toBuffer();
    const blue = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 20, g: 30, b: 200 } } }).png().toBuffer();
    const flagged = await model.pipeline.generate({ ...BASE, count: 1, init: { data: red, strength: 0 } });
    const clean = await model.pipeline.generate({ ...BASE, count: 1, init: { data: blue, strength: 0 } });
    expect([flagged.images[0]!.nsfw, clean.images[0]!.nsfw]).toEqual([true, false]);
  });
});

describe('safety checker turned off by config', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ safetyRedThreshold: RED_THRESHOLD }, { safetyChecker: false });
  });
  afterAll(async () => model?.dispose());

  it('is not loaded and flags nothing', async () => {
    expect(model.pipeline.info.hasSafetyChecker).toBe(false);
    expect(model.pipeline.runStats().safetyChecker).toBeUndefined();
    const result = await model.pipeline.generate(BASE);
    expect(result.images.map((image) => image.nsfw)).toEqual([false, false]);
  });
});
