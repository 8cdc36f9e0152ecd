// The oracle's breadth variants (layered text encoders, SDXL, LCM, safety checker, TAESD): the ONNX
// graphs compute what the closed form says, and the colours make each pipeline mistake visible.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIP_IMAGE_SIZE,
  CLIP_MEAN,
  CLIP_STD,
  SDXL_DEFAULT_SCALING_FACTOR,
  oracleColour,
  oracleConditioningRows,
  oracleGuidanceEmbedding,
  oracleLcmX0,
  oracleSdxlConditioning,
  oracleSdxlTimeIds,
  oracleSdxlX0,
  oracleSdxlZeros,
  oracleSigma,
  oracleTaesdColour,
  oracleTextEncoder,
  oracleX0FromHiddenStates,
  simpleTokenIds,
  textEncoderSpecs,
  writeOracleModel,
  writeOracleTaesd,
  TAESD_FILES,
  type Latent,
  type OracleVariant,
  type SdxlConditioning,
} from '../../fixtures/oracle/index.js';
import { intTensor, ioSignature, makeTempDir, openSession, readFloats } from './ort-test-helpers.js';

const TOKENS = 77;
const TOLERANCE = 2e-4;
const CAT = 'a photo of a cat';
const FOX = 'a red fox in snow';
const NEGATIVE = 'blurry low quality';
/** A change of this many levels (out of 255) is plainly visible in a test. */
const VISIBLE = 8;
const CLIP_MARGIN = 10;
const TIMESTEP = 500;

const LAYERED: OracleVariant = { textLayers: 4 };
const SDXL: OracleVariant = { sdxl: true, longPrompts: true };
const LCM: OracleVariant = { timestepCondSize: 64 };
const CHECKER: OracleVariant = { safetyRedThreshold: 0.5 };

function spread(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, k) => Math.abs(v - (b[k] ?? NaN))));
}

function guided(uncond: Latent, cond: Latent, g: number): Latent {
  return uncond.map((u, c) => u + g * ((cond[c] ?? 0) - u)) as Latent;
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  const worst = actual.reduce((max, a, i) => Math.max(max, Math.abs(a - (expected[i] ?? NaN))), 0);
  expect(worst).toBeLessThan(TOLERANCE);
}

function expectMidRange(rgb: readonly number[]): void {
  for (const v of rgb) {
    expect(v).toBeGreaterThan(CLIP_MARGIN);
    expect(v).toBeLessThan(255 - CLIP_MARGIN);
  }
}

function sdxlPrompt(prompt: string): SdxlConditioning {
  return oracleSdxlConditioning(SDXL, simpleTokenIds(prompt, '<|endoftext|>'), simpleTokenIds(prompt, '!'));
}

function sdxlColour(prompt: SdxlConditioning, negative: SdxlConditioning, g: number, timeIds: readonly number[], scale = SDXL_DEFAULT_SCALING_FACTOR): number[] {
  return oracleColour(SDXL, guided(oracleSdxlX0(SDXL, negative, timeIds), oracleSdxlX0(SDXL, prompt, timeIds), g), scale);
}

let root = '';
let remove: (() => Promise<void>) | undefined;
const folders = new Map<OracleVariant, string>();

beforeAll(async () => {
  ({ dir: root, remove } = await makeTempDir());
  for (const [name, variant] of [['layered', LAYERED], ['sdxl', SDXL], ['lcm', LCM], ['checker', CHECKER]] as const) {
    const dir = join(root, name);
    await writeOracleModel(dir, variant);
    folders.set(variant, dir);
  }
  await writeOracleTaesd(join(root, 'taesd'));
});

afterAll(async () => remove?.());

describe('layered text encoder (CLIP skip)', () => {
  const ids = simpleTokenIds(CAT);
  const spec = textEncoderSpecs(LAYERED)[0]!;

  it('outputs every hidden_states.N and a layer-normed last_hidden_state, as the closed form says', async () => {
    const session = await openSession(join(folders.get(LAYERED)!, 'text_encoder', 'model.onnx'));
    expect(Object.keys(ioSignature(session.outputMetadata))).toEqual([
      'hidden_states.0',
      'hidden_states.1',
      'hidden_states.2',
      'hidden_states.3',
      'hidden_states.4',
      'pooler_output',
      'last_hidden_state',
    ]);
    const out = await session.run({ input_ids: intTensor('int32', ids, [1, TOKENS]) });
    const expected = oracleTextEncoder(spec, ids);
    for (let n = 0; n <= 4; n++) expectClose(readFloats(out[`hidden_states.${n}`]), expected.hiddenStates[n]!.flat());
    expectClose(readFloats(out.last_hidden_state), expected.lastHiddenState.flat());
  });

  it('makes a wrong layer, or a skipped final norm, visible in the colour', () => {
    const colours = [1, 2, 3, 4].map((skip) => oracleColour(LAYERED, oracleX0FromHiddenStates(LAYERED, oracleConditioningRows(LAYERED, ids, skip))));
    for (const colour of colours) expectMidRange(colour);
    for (let i = 1; i < colours.length; i++) expect(spread(colours[i]!, colours[i - 1]!)).toBeGreaterThan(VISIBLE);
    const withoutNorm = oracleTextEncoder(spec, ids).hiddenStates[3]!;
    expect(spread(oracleColour(LAYERED, oracleX0FromHiddenStates(LAYERED, withoutNorm)), colours[1]!)).toBeGreaterThan(VISIBLE);
  });
});

describe('SDXL layout', () => {
  const [width, height] = [96, 48];
  const timeIds = oracleSdxlTimeIds(width, height);

  it('writes text_encoder_2 and tokenizer_2 (padding with "!"), and a UNet that requires text_embeds and time_ids', async () => {
    const dir = folders.get(SDXL)!;
    expect((await readdir(dir)).sort()).toEqual(['model_index.json', 'scheduler', 'text_encoder', 'text_encoder_2', 'tokenizer', 'tokenizer_2', 'unet', 'vae_decoder']);
    const unet = await openSession(join(dir, 'unet', 'model.onnx'));
    expect(ioSignature(unet.inputMetadata)).toMatchObject({
      encoder_hidden_states: ['float32', ['batch', 'sequence', 768 + 1280]],
      text_embeds: ['float32', ['batch', 1280]],
      time_ids: ['float32', ['batch', 6]],
    });
    const zeros = (dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    await expect(unet.run({ sample: zeros([1, 4, 1, 1]), timestep: zeros([1]), encoder_hidden_states: zeros([1, TOKENS, 2048]) })).rejects.toThrow(/text_embeds|time_ids/);
  });

  it('the UNet predicts the closed-form x0 from both encoders, text_embeds and time_ids', async () => {
    const dir = folders.get(SDXL)!;
    const encoder2 = await openSession(join(dir, 'text_encoder_2', 'model.onnx'));
    const ids2 = simpleTokenIds(CAT, '!');
    const out2 = await encoder2.run({ input_ids: intTensor('int32', ids2, [1, TOKENS]) });
    const conditioning = sdxlPrompt(CAT);
    expectClose(readFloats(out2.text_embeds), [...conditioning.textEmbeds]);

    const unet = await openSession(join(dir, 'unet', 'model.onnx'));
    const out = await unet.run({
      sample: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]),
      timestep: new ort.Tensor('float32', Float32Array.of(TIMESTEP), [1]),
      encoder_hidden_states: new ort.Tensor('float32', Float32Array.from(conditioning.rows.flat()), [1, TOKENS, 2048]),
      text_embeds: new ort.Tensor('float32', Float32Array.from(conditioning.textEmbeds), [1, 1280]),
      time_ids: new ort.Tensor('float32', Float32Array.from(timeIds), [1, 6]),
    });
    // At sample 0, ε = −x0/σ(t).
    const x0 = readFloats(out.out_sample).map((epsilon) => -epsilon * oracleSigma(TIMESTEP));
    expectClose(x0, [...oracleSdxlX0(SDXL, conditioning, timeIds)]);
  });

  it('makes a missing, zeroed or mis-ordered input, the wrong pad or VAE scale visible', () => {
    const cat = sdxlPrompt(CAT);
    const negative = sdxlPrompt(NEGATIVE);
    const right = sdxlColour(cat, negative, 5, timeIds);
    expectMidRange(right);
    expectMidRange(sdxlColour(sdxlPrompt(FOX), negative, 5, timeIds));
    expect(spread(right, sdxlColour(sdxlPrompt(FOX), negative, 5, timeIds))).toBeGreaterThan(VISIBLE);
    expect(spread(right, sdxlColour(cat, negative, 5, oracleSdxlTimeIds(height, width)))).toBeGreaterThan(VISIBLE);
    expect(spread(right, sdxlColour(cat, negative, 5, [height, width, height, width, 0, 0]))).toBeGreaterThan(VISIBLE);
    const noPooled = (c: SdxlConditioning): SdxlConditioning => ({ rows: c.rows, textEmbeds: c.textEmbeds.map(() => 0) });
    expect(spread(right, sdxlColour(noPooled(cat), noPooled(negative), 5, timeIds))).toBeGreaterThan(VISIBLE);
    const padWithEos = oracleSdxlConditioning(SDXL, simpleTokenIds(CAT), simpleTokenIds(CAT));
    expect(spread(right, sdxlColour(padWithEos, negative, 5, timeIds))).toBeGreaterThan(VISIBLE);
    expect(spread(right, sdxlColour(cat, negative, 5, timeIds, 0.18215))).toBeGreaterThan(VISIBLE);
  });

  it('tells force_zeros_for_empty_prompt from an encoded empty prompt, mid-range at guidance 1.5', () => {
    const cat = sdxlPrompt(CAT);
    const zeros = sdxlColour(cat, oracleSdxlZeros(SDXL, TOKENS), 1.5, timeIds);
    const empty = sdxlColour(cat, sdxlPrompt(''), 1.5, timeIds);
    expectMidRange(zeros);
    expectMidRange(empty);
    expect(spread(zeros, empty)).toBeGreaterThan(VISIBLE);
  });
});

describe('LCM UNet with timestep_cond', () => {
  it('declares timestep_cond with its width and depends on the guidance embedding', async () => {
    const unet = await openSession(join(folders.get(LCM)!, 'unet', 'model.onnx'));
    expect(ioSignature(unet.inputMetadata)['timestep_cond']).toEqual(['float32', ['batch', 64]]);
    const ids = simpleTokenIds(CAT);
    const rows = oracleConditioningRows(LCM, ids);
    const out = await unet.run({
      sample: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]),
      timestep: new ort.Tensor('float32', Float32Array.of(TIMESTEP), [1]),
      encoder_hidden_states: new ort.Tensor('float32', Float32Array.from(rows.flat()), [1, TOKENS, 768]),
      timestep_cond: new ort.Tensor('float32', Float32Array.from(oracleGuidanceEmbedding(8, 64)), [1, 64]),
    });
    expectClose(readFloats(out.out_sample).map((epsilon) => -epsilon * oracleSigma(TIMESTEP)), [...oracleLcmX0(LCM, ids, 8)]);
    const colours = [1.5, 4, 8].map((g) => oracleColour(LCM, oracleLcmX0(LCM, ids, g)));
    for (const colour of colours) expectMidRange(colour);
    expect(spread(colours[0]!, colours[2]!)).toBeGreaterThan(VISIBLE);
    expect(spread(colours[1]!, colours[2]!)).toBeGreaterThan(VISIBLE);
  });
});

describe('safety checker', () => {
  const [width, height] = [16, 8];

  async function check(rgb: readonly number[], normalise: boolean, layout: 'nhwc' | 'nchw' = 'nhwc'): Promise<boolean> {
    const session = await openSession(join(folders.get(CHECKER)!, 'safety_checker', 'model.onnx'));
    const plane = CLIP_IMAGE_SIZE * CLIP_IMAGE_SIZE;
    const clip = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) clip.fill(normalise ? ((rgb[c] ?? 0) - CLIP_MEAN[c]!) / CLIP_STD[c]! : (rgb[c] ?? 0), c * plane, (c + 1) * plane);
    const images = new Float32Array(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) images[layout === 'nhwc' ? i * 3 + c : c * width * height + i] = rgb[c] ?? 0;
    }
    const out = await session.run({
      clip_input: new ort.Tensor('float32', clip, [1, 3, CLIP_IMAGE_SIZE, CLIP_IMAGE_SIZE]),
      images: new ort.Tensor('float32', images, [1, height, width, 3]),
    });
    expect(out.has_nsfw_concepts?.type).toBe('bool');
    return (out.has_nsfw_concepts?.data as Uint8Array | undefined)?.[0] === 1;
  }

  it.each([
    ['a red image, fed right', [0.8, 0.3, 0.3], true, 'nhwc', true],
    ['a blue image, fed right', [0.2, 0.3, 0.8], true, 'nhwc', false],
    ['a red image without CLIP normalisation', [0.8, 0.3, 0.3], false, 'nhwc', false],
    ['a red image with NCHW pixels', [0.8, 0.3, 0.3], true, 'nchw', false],
  ] as const)('%s → flagged %s', async (_label, rgb, normalise, layout, flagged) => {
    expect(await check(rgb, normalise, layout)).toBe(flagged);
  });
});

describe('TAESD decoders', () => {
  it('map a latent with their own weights, SD and SDXL differently', async () => {
    const latent = [0.1, -0.05, 0.08, -0.12];
    for (const family of ['sd', 'sdxl'] as const) {
      const session = await openSession(join(root, 'taesd', TAESD_FILES[family]));
      const out = await session.run({ latent_sample: new ort.Tensor('float32', Float32Array.from(latent), [1, 4, 1, 1]) });
      const pixels = readFloats(out.sample);
      expect(pixels).toHaveLength(3 * 8 * 8);
      const expected = oracleTaesdColour(family, latent);
      for (let c = 0; c < 3; c++) expect(pixels[c * 64]! * 255).toBeCloseTo(expected[c]!, 2);
      expectMidRange(expected);
    }
    expect(spread(oracleTaesdColour('sd', latent), oracleTaesdColour('sdxl', latent))).toBeGreaterThan(VISIBLE);
  });
});
