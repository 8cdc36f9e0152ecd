// CLIP skip on oracle text encoders with real hidden_states.N outputs and a real final layer norm,
// whose γ/β the pipeline must find in the graph however the export spelled it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../src/pipeline/errors.js';
import { parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import type { GenerationParams } from '../../../src/pipeline/types.js';
import type { OracleVariant } from '../../fixtures/oracle/index.js';
import { colourSpread, decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const LAYERS = 4;
const TOLERANCE = 2;
const BASE: GenerationParams = {
  prompt: 'a photo of a cat',
  negativePrompt: 'blurry',
  seed: 11,
  numInferenceSteps: 4,
  guidanceScale: 3,
  sampler: 'euler',
  width: 32,
  height: 24,
  count: 1,
};

const FORMS: Array<[string, OracleVariant]> = [
  ['LayerNormalization with PyTorch names', { textLayers: LAYERS, finalNorm: 'named' }],
  ['LayerNormalization with anonymous initializers', { textLayers: LAYERS, finalNorm: 'anonymous' }],
  ['decomposed Mul(γ)/Add(β), weights in external data', { textLayers: LAYERS, finalNorm: 'decomposed', textEncoderExternalData: true }],
];

describe.each(FORMS)('final layer norm as %s', (_label, variant) => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel(variant);
  });
  afterAll(async () => model?.dispose());

  it.each([1, 2, 3, 4, 5])('clip skip %i takes hidden_states.(L−(N−1)) through the final norm', async (clipSkip) => {
    const result = await model.pipeline.generate({ ...BASE, clipSkip });
    const image = await decodePng(result.images[0]!.png);
    expect(maxColourError(image, model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, { clipSkip }))).toBeLessThanOrEqual(TOLERANCE);
    const fields = parseParameterFields(readPngText(result.images[0]!.png).get('parameters')!);
    expect(fields.get('Clip skip')).toBe(clipSkip > 1 ? String(clipSkip) : undefined);
  });
});

describe('clip skip on the named variant', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel(FORMS[0]![1]);
  });
  afterAll(async () => model?.dispose());

  it('a wrong layer would be visible: each level gives its own colour', () => {
    const colours = [1, 2, 3].map((clipSkip) => model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, { clipSkip }));
    expect(colourSpread(colours[0]!, colours[1]!)).toBeGreaterThan(3 * TOLERANCE);
    expect(colourSpread(colours[1]!, colours[2]!)).toBeGreaterThan(3 * TOLERANCE);
  });

  it('reports support and rejects a skip deeper than the encoder, naming the limit', async () => {
    expect(model.pipeline.info.supportsClipSkip).toBe(true);
    await expect(model.pipeline.generate({ ...BASE, clipSkip: LAYERS + 2 })).rejects.toSatisfy(
      (error: unknown) => isPipelineError(error, 'invalid_params') && /at most 5.*got 6/.test(error.message),
    );
  });
});

describe('a text encoder without hidden_states outputs', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({});
  });
  afterAll(async () => model?.dispose());

  it('runs clip skip 1 as usual and explains how to re-export for more', async () => {
    expect(model.pipeline.info.supportsClipSkip).toBe(false);
    const result = await model.pipeline.generate({ ...BASE, clipSkip: 1 });
    expect(maxColourError(await decodePng(result.images[0]!.png), model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale))).toBeLessThanOrEqual(TOLERANCE);
    await expect(model.pipeline.generate({ ...BASE, clipSkip: 2 })).rejects.toSatisfy(
      (error: unknown) => isPipelineError(error, 'invalid_params') && /hidden_states\.N/.test(error.message) && /output_hidden_states=True/.test(error.message),
    );
  });
});
