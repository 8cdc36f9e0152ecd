// LCM and SD-Turbo: distilled models that run without classifier-free guidance. LCM receives the
// guidance through `timestep_cond` instead, sized as its graph says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationParams } from '../../../src/pipeline/types.js';
import { colourSpread, decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const TOLERANCE = 2;
const BASE: GenerationParams = {
  prompt: 'a photo of a cat',
  negativePrompt: 'blurry, low quality',
  seed: 3,
  numInferenceSteps: 4,
  guidanceScale: 8,
  sampler: 'lcm',
  width: 40,
  height: 24,
  count: 2,
};

describe('LCM folder (UNet with timestep_cond of width 64)', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ timestepCondSize: 64, schedulerConfig: { original_inference_steps: 50 } });
  });
  afterAll(async () => model?.dispose());

  it('is recognised from the graph alone', () => {
    expect(model.pipeline.info.kind).toBe('lcm');
  });

  it.each([8, 2])('guidance %i: one unguided call per step, decoding the denoised x0 of the embedded guidance', async (guidanceScale) => {
    const before = model.pipeline.runStats().unet!.runs;
    const result = await model.pipeline.generate({ ...BASE, guidanceScale });
    expect(model.pipeline.runStats().unet!.runs - before).toBe(BASE.numInferenceSteps);
    for (const image of result.images) {
      expect(maxColourError(await decodePng(image.png), model.expectedColour(BASE.prompt, BASE.negativePrompt, guidanceScale))).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('the guidance embedding shows in the colour', () => {
    expect(colourSpread(model.expectedColour(BASE.prompt, '', 8), model.expectedColour(BASE.prompt, '', 2))).toBeGreaterThan(3 * TOLERANCE);
  });

  it('other samplers work on it too, still without guidance doubling', async () => {
    const result = await model.pipeline.generate({ ...BASE, sampler: 'euler', count: 1 });
    expect(maxColourError(await decodePng(result.images[0]!.png), model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('SD-Turbo folder', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ nameOrPath: 'stabilityai/sd-turbo', hiddenSize: 1024, padToken: '!' });
  });
  afterAll(async () => model?.dispose());

  it('runs one step at guidance 0 as a single unguided call and lands on x0(prompt)', async () => {
    expect(model.pipeline.info.kind).toBe('sd-turbo');
    const before = model.pipeline.runStats().unet!.runs;
    const result = await model.pipeline.generate({ ...BASE, sampler: 'euler_a', numInferenceSteps: 1, guidanceScale: 0, count: 1 });
    expect(model.pipeline.runStats().unet!.runs - before).toBe(1);
    const expected = model.expectedColour(BASE.prompt, BASE.negativePrompt, 0);
    expect(maxColourError(await decodePng(result.images[0]!.png), expected)).toBeLessThanOrEqual(TOLERANCE);
    // With guidance doubling at g = 0 it would land on the negative prompt's colour instead.
    expect(colourSpread(expected, model.expectedColour(BASE.negativePrompt, '', 0))).toBeGreaterThan(3 * TOLERANCE);
  });
});
