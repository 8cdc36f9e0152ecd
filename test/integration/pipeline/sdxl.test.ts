// SDXL and SDXL-Turbo folders on oracle models: two tokenizers and text encoders, penultimate
// hidden states side by side, text_embeds, time_ids, force_zeros_for_empty_prompt, the SDXL VAE
// scale and preview map, and Turbo's single unguided call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationParams, GenerationProgress } from '../../../src/pipeline/types.js';
import { SDXL_DEFAULT_SCALING_FACTOR, oracleColour, type OracleVariant } from '../../fixtures/oracle/index.js';
import { colourSpread, decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const TOLERANCE = 2;
const BASE: GenerationParams = {
  prompt: 'a photo of a cat',
  negativePrompt: 'blurry, low quality',
  seed: 21,
  numInferenceSteps: 5,
  guidanceScale: 5,
  sampler: 'euler_a',
  width: 96,
  height: 48,
  count: 1,
};
const SIZE = { width: BASE.width, height: BASE.height };

/** DESIGN.md's SDXL latent → RGB preview map: weights[channel][rgb] and bias. */
const SDXL_PREVIEW = {
  weights: [
    [0.3651, 0.4232, 0.4341],
    [-0.2533, -0.0042, 0.1068],
    [0.1076, 0.1111, -0.0362],
    [-0.3165, -0.2492, -0.2188],
  ],
  bias: [0.1084, -0.0175, -0.0011],
};

describe('SDXL folder', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ sdxl: true, longPrompts: true });
  });
  afterAll(async () => model?.dispose());

  it('loads as sdxl at 1024 px with clip skip support', () => {
    expect(model.pipeline.info).toMatchObject({ kind: 'sdxl', nativeSize: 1024, supportsClipSkip: true });
  });

  it('lands on the closed form of both encoders, text_embeds and time_ids, with one call per encoder', async () => {
    const before = model.pipeline.runStats();
    const result = await model.pipeline.generate(BASE);
    const after = model.pipeline.runStats();
    expect(after.textEncoder!.runs - before.textEncoder!.runs).toBe(1);
    expect(after.textEncoder2!.runs - before.textEncoder2!.runs).toBe(1);
    expect(after.unet!.runs - before.unet!.runs).toBe(BASE.numInferenceSteps);
    const image = await decodePng(result.images[0]!.png);
    expect([image.width, image.height]).toEqual([96, 48]);
    expect(maxColourError(image, model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, SIZE))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('puts the height first in time_ids: the transposed size has another colour', async () => {
    const tall = { width: 48, height: 96 };
    const result = await model.pipeline.generate({ ...BASE, ...tall });
    const expected = model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, tall);
    expect(maxColourError(await decodePng(result.images[0]!.png), expected)).toBeLessThanOrEqual(TOLERANCE);
    expect(colourSpread(expected, model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, SIZE))).toBeGreaterThan(3 * TOLERANCE);
  });

  it('conditions an empty negative prompt with zeros (force_zeros_for_empty_prompt)', async () => {
    const params = { ...BASE, negativePrompt: '', guidanceScale: 1.5 };
    const result = await model.pipeline.generate(params);
    expect(maxColourError(await decodePng(result.images[0]!.png), model.expectedColour(params.prompt, '', params.guidanceScale, SIZE))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('decodes with the SDXL scale 0.13025 when the VAE config names none', () => {
    const latent = model.expectedLatent(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, SIZE);
    expect(colourSpread(oracleColour({ sdxl: true }, latent, SDXL_DEFAULT_SCALING_FACTOR), oracleColour({}, latent, 0.18215))).toBeGreaterThan(3 * TOLERANCE);
  });

  it('previews x0 with the SDXL latent → RGB map', async () => {
    const events: GenerationProgress[] = [];
    await model.pipeline.generate({ ...BASE, numInferenceSteps: 4 }, { previewEvery: 2, onProgress: (p) => events.push(p) });
    const preview = events.find((e) => e.preview !== undefined)?.preview;
    expect(preview).toBeDefined();
    const latent = model.expectedLatent(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, SIZE);
    const expected = [0, 1, 2].map((k) => (SDXL_PREVIEW.bias[k]! + latent.reduce((sum, x, c) => sum + x * SDXL_PREVIEW.weights[c]![k]!, 0) + 1) * 127.5);
    const image = await decodePng(preview!);
    expect([image.width, image.height]).toEqual([12, 6]);
    expect(maxColourError(image, expected)).toBeLessThanOrEqual(1);
  });

  it('encodes long prompts in chunks for both encoders', async () => {
    const prompt = Array.from({ length: 90 }, () => 'dog').join(' ');
    const result = await model.pipeline.generate({ ...BASE, prompt, guidanceScale: 1 });
    expect(result.truncatedWords).toEqual([]);
    const short = await model.pipeline.generate({ ...BASE, prompt: Array.from({ length: 75 }, () => 'dog').join(' '), guidanceScale: 1 });
    // A second chunk of mostly padding pulls the mean towards the pad rows: the colour moves.
    const [long, first] = [await decodePng(result.images[0]!.png), await decodePng(short.images[0]!.png)];
    expect(colourSpread([...long.pixels.subarray(0, 3)], [...first.pixels.subarray(0, 3)])).toBeGreaterThan(TOLERANCE);
  });
});

describe('SDXL with force_zeros_for_empty_prompt false', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ sdxl: true, forceZerosForEmptyPrompt: false });
  });
  afterAll(async () => model?.dispose());

  it('encodes the empty negative prompt instead, a visibly different colour', async () => {
    const params = { ...BASE, negativePrompt: '', guidanceScale: 1.5 };
    const result = await model.pipeline.generate(params);
    const expected = model.expectedColour(params.prompt, '', params.guidanceScale, SIZE);
    expect(maxColourError(await decodePng(result.images[0]!.png), expected)).toBeLessThanOrEqual(TOLERANCE);
    const zeros: OracleVariant = { sdxl: true };
    const other = await openOracleModel(zeros);
    try {
      expect(colourSpread(expected, other.expectedColour(params.prompt, '', params.guidanceScale, SIZE))).toBeGreaterThan(3 * TOLERANCE);
    } finally {
      await other.dispose();
    }
  });
});

describe('SDXL-Turbo folder', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ sdxl: true, nameOrPath: 'stabilityai/sdxl-turbo' });
  });
  afterAll(async () => model?.dispose());

  it.each([1, 4])('runs %i step(s) at guidance 0 as single unguided UNet calls, landing on x0(prompt)', async (steps) => {
    expect(model.pipeline.info.kind).toBe('sdxl-turbo');
    const before = model.pipeline.runStats().unet!.runs;
    const result = await model.pipeline.generate({ ...BASE, numInferenceSteps: steps, guidanceScale: 0 });
    expect(model.pipeline.runStats().unet!.runs - before).toBe(steps);
    expect(maxColourError(await decodePng(result.images[0]!.png), model.expectedColour(BASE.prompt, '', 0, SIZE))).toBeLessThanOrEqual(TOLERANCE);
  });
});
