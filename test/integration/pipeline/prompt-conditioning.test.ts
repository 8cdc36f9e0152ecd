// Prompt weighting and long prompts, end to end on oracle models: the image colour is the closed
// form of the weighted, chunked embeddings, computed here independently of the pipeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationParams } from '../../../src/pipeline/types.js';
import {
  oracleColour,
  oracleEmbedding,
  oracleX0FromHiddenStates,
  simpleTokenIds,
  type Latent,
} from '../../fixtures/oracle/index.js';
import { colourSpread, decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const CHUNK = 75;
const HIDDEN = 768;
const TOLERANCE = 2;
const GUIDANCE = 4;

const BASE: GenerationParams = {
  prompt: '',
  negativePrompt: '',
  seed: 5,
  numInferenceSteps: 4,
  guidanceScale: GUIDANCE,
  sampler: 'euler',
  width: 32,
  height: 32,
  count: 1,
};

/** One 77-token chunk of single-token words, with per-word weights. */
function chunk(words: readonly string[], weights: readonly number[] = []): { ids: number[]; weights: number[] } {
  const ids = simpleTokenIds(words.join(' '));
  return { ids, weights: ids.map((_, i) => (i >= 1 && i <= words.length ? (weights[i - 1] ?? 1) : 1)) };
}

/** A1111's arithmetic, in float64: scale each token's row by its weight, then restore the chunk's mean. */
function weightedRows({ ids, weights }: { ids: number[]; weights: number[] }): number[][] {
  const rows = ids.map((id) => oracleEmbedding(HIDDEN, id));
  const mean = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0) / (m.length * HIDDEN);
  const before = mean(rows);
  const scaled = rows.map((row, k) => row.map((v) => v * (weights[k] ?? 1)));
  const after = mean(scaled);
  return scaled.map((row) => row.map((v) => (v * before) / after));
}

function guidedColour(cond: number[][], uncond: number[][]): number[] {
  const c = oracleX0FromHiddenStates({}, cond);
  const u = oracleX0FromHiddenStates({}, uncond);
  return oracleColour({}, u.map((x, k) => x + GUIDANCE * ((c[k] ?? 0) - x)) as Latent);
}

const repeat = (word: string, n: number): string[] => Array.from({ length: n }, () => word);

describe('a UNet with a free token axis (long prompts)', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ longPrompts: true });
  });
  afterAll(async () => model?.dispose());

  it('encodes 84 weighted tokens as two chunks in one text-encoder call, negative padded to two chunks', async () => {
    const words = ['red', 'fox', 'in', 'snow', ...repeat('dog', 80)];
    const before = model.pipeline.runStats().textEncoder!.runs;
    const result = await model.pipeline.generate({ ...BASE, prompt: `(red fox in snow:1.8) ${repeat('dog', 80).join(' ')}` });
    expect(model.pipeline.runStats().textEncoder!.runs - before).toBe(1);
    expect(result.truncatedWords).toEqual([]);

    const weights = [1.8, 1.8, 1.8, 1.8];
    const cond = [...weightedRows(chunk(words.slice(0, CHUNK), weights)), ...weightedRows(chunk(words.slice(CHUNK)))];
    const empty = weightedRows(chunk([]));
    const expected = guidedColour(cond, [...empty, ...empty]);
    expect(maxColourError(await decodePng(result.images[0]!.png), expected)).toBeLessThanOrEqual(TOLERANCE);
    // …and both the weights and the second chunk show in the colour.
    const unweighted = guidedColour([...weightedRows(chunk(words.slice(0, CHUNK))), ...weightedRows(chunk(words.slice(CHUNK)))], [...empty, ...empty]);
    expect(colourSpread(expected, unweighted)).toBeGreaterThan(2 * TOLERANCE);
    expect(colourSpread(expected, guidedColour(weightedRows(chunk(words.slice(0, CHUNK), weights)), empty))).toBeGreaterThan(2 * TOLERANCE);
  });

  it('pads the prompt to the negative prompt’s chunk count', async () => {
    const negativeWords = repeat('blurry', 90);
    const result = await model.pipeline.generate({ ...BASE, prompt: 'a cat', negativePrompt: negativeWords.join(' ') });
    const cond = [...weightedRows(chunk(['a', 'cat'])), ...weightedRows(chunk([]))];
    const uncond = [...weightedRows(chunk(negativeWords.slice(0, CHUNK))), ...weightedRows(chunk(negativeWords.slice(CHUNK)))];
    expect(maxColourError(await decodePng(result.images[0]!.png), guidedColour(cond, uncond))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('keeps three chunks (225 tokens) and reports the words past them', async () => {
    const result = await model.pipeline.generate({ ...BASE, prompt: repeat('dog', 230).join(' '), guidanceScale: 1 });
    expect(result.truncatedWords).toEqual(repeat('dog', 5));
    expect(model.pipeline.info.maxPromptTokens).toBe(3 * CHUNK);
  });

  it('gives a plain prompt the same image as a UNet fixed at 77 tokens', async () => {
    const fixed = await openOracleModel({});
    try {
      const params = { ...BASE, prompt: 'a photo of a cat', negativePrompt: 'fog' };
      const [a, b] = [await model.pipeline.generate(params), await fixed.pipeline.generate(params)];
      expect((await decodePng(a.images[0]!.png)).pixels.equals((await decodePng(b.images[0]!.png)).pixels)).toBe(true);
    } finally {
      await fixed.dispose();
    }
  });
});

describe('a UNet fixed at 77 tokens', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({});
  });
  afterAll(async () => model?.dispose());

  it('falls back to one chunk and reports the rest as truncated', async () => {
    const words = ['cat', ...repeat('dog', 79)];
    const result = await model.pipeline.generate({ ...BASE, prompt: words.join(' ') });
    expect(result.truncatedWords).toEqual(repeat('dog', 5));
    expect(model.pipeline.info.maxPromptTokens).toBe(CHUNK);
    const expected = guidedColour(weightedRows(chunk(words.slice(0, CHUNK))), weightedRows(chunk([])));
    expect(maxColourError(await decodePng(result.images[0]!.png), expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each([
    ['(cat:1.5) on a mat', ['cat', 'on', 'a', 'mat'], [1.5]],
    ['((cat:1.4)) on a [[mat]]', ['cat', 'on', 'a', 'mat'], [1.4 * 1.1, 1, 1, 1 / 1.21]],
    ['a \\(cat\\)', ['a', '(', 'cat', ')'], []],
  ] as const)('weights %s as A1111 does', async (prompt, words, weights) => {
    const result = await model.pipeline.generate({ ...BASE, prompt });
    const expected = guidedColour(weightedRows(chunk(words, weights)), weightedRows(chunk([])));
    expect(maxColourError(await decodePng(result.images[0]!.png), expected)).toBeLessThanOrEqual(TOLERANCE);
    if (weights.length > 0) expect(colourSpread(expected, guidedColour(weightedRows(chunk(words)), weightedRows(chunk([]))))).toBeGreaterThan(2 * TOLERANCE);
  });
});
