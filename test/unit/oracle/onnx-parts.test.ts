// Every generated part loads in onnxruntime-node and computes what the closed form says.
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENCODER_LOGVAR,
  ORACLE_DEFAULT_SCALING_FACTOR,
  oracleColour,
  oracleEmbedding,
  oracleEncodedLatent,
  oracleEpsilon,
  oracleVelocity,
  oracleX0,
  oracleX0FromHiddenStates,
  roundToFloat16,
  simpleTokenIds,
  writeOracleModel,
  type OracleVariant,
} from '../../fixtures/oracle/index.js';
import {
  floatTensor,
  intTensor,
  ioSignature,
  makeTempDir,
  openSession,
  readFloats,
  type FloatKind,
} from './ort-test-helpers.js';

const TOKENS = 77;
const PIXEL_MAX = 255;
const FP32_TOLERANCE = 2e-4;
const FP16_RELATIVE_TOLERANCE = 2e-3;

interface Case {
  readonly name: string;
  readonly variant: OracleVariant;
}

const CASES: readonly Case[] = [
  { name: 'default (SD1.5-like)', variant: {} },
  { name: 'int64 ids, 1024 hidden, ! pad', variant: { idsType: 'int64', hiddenSize: 1024, padToken: '!' } },
  { name: 'int64 timestep', variant: { timestep: 'int64' } },
  { name: 'float16 timestep', variant: { timestep: 'float16' } },
  { name: 'scalar timestep, external data', variant: { timestep: 'scalar', externalData: true } },
  { name: 'fp16 I/O', variant: { precision: 'fp16', vaeEncoder: 'latent_sample' } },
  { name: 'v_prediction', variant: { predictionType: 'v_prediction' } },
  { name: 'latent_sample encoder', variant: { vaeEncoder: 'latent_sample', scalingFactor: 0.13025 } },
  { name: 'latent_parameters encoder, fp16', variant: { vaeEncoder: 'latent_parameters', precision: 'fp16' } },
];

const dirs = new Map<string, string>();
let cleanup: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const temp = await makeTempDir();
  cleanup = temp.remove;
  await Promise.all(
    CASES.map(async (c, i) => {
      const dir = join(temp.dir, `case-${i}`);
      await writeOracleModel(dir, c.variant);
      dirs.set(c.name, dir);
    }),
  );
});

afterAll(async () => {
  await cleanup?.();
});

function folder(c: Case): string {
  const dir = dirs.get(c.name);
  if (dir === undefined) throw new Error(`no folder for ${c.name}`);
  return dir;
}

function floatKind(v: OracleVariant): FloatKind {
  return v.precision === 'fp16' ? 'float16' : 'float32';
}

/** What a float tensor of this kind holds for `value`. */
function stored(kind: FloatKind, value: number): number {
  return kind === 'float16' ? roundToFloat16(value) : Math.fround(value);
}

function expectClose(actual: readonly number[], expected: readonly number[], kind: FloatKind): void {
  expect(actual).toHaveLength(expected.length);
  const worst = actual.reduce((max, a, i) => {
    const e = expected[i] ?? NaN;
    const tolerance = kind === 'float16' ? FP16_RELATIVE_TOLERANCE * Math.max(1, Math.abs(e)) : FP32_TOLERANCE;
    return Math.max(max, Math.abs(a - e) / tolerance);
  }, 0);
  expect(worst, 'worst error in units of the tolerance').toBeLessThanOrEqual(1);
}

describe.each(CASES)('oracle parts: $name', (c) => {
  const v = c.variant;
  const kind = floatKind(v);
  const hiddenSize = v.hiddenSize ?? 768;
  const pad = v.padToken ?? '<|endoftext|>';
  const rows = [simpleTokenIds('a photo of a cat', pad), simpleTokenIds('', pad)];

  it('text_encoder declares and returns E(ids) and its token mean', async () => {
    const session = await openSession(join(folder(c), 'text_encoder', 'model.onnx'));
    expect(ioSignature(session.inputMetadata)).toEqual({ input_ids: [v.idsType ?? 'int32', ['batch', TOKENS]] });
    expect(ioSignature(session.outputMetadata)).toEqual({
      last_hidden_state: [kind, ['batch', TOKENS, hiddenSize]],
      pooler_output: [kind, ['batch', hiddenSize]],
    });
    const out = await session.run({ input_ids: intTensor(v.idsType ?? 'int32', rows.flat(), [2, TOKENS]) });
    const embeddings = rows.map((ids) => ids.map((id) => oracleEmbedding(hiddenSize, id)));
    expectClose(readFloats(out.last_hidden_state), embeddings.flat(2), kind);
    const means = embeddings.map((tokens) =>
      Array.from({ length: hiddenSize }, (_, j) => tokens.reduce((s, e) => s + (e[j] ?? 0), 0) / TOKENS),
    );
    expectClose(readFloats(out.pooler_output), means.flat(), kind);
  });

  it('unet returns the exact ε (or v) for x0(prompt) at each row’s timestep', async () => {
    const session = await openSession(join(folder(c), 'unet', 'model.onnx'));
    const timestepType = v.timestep === 'scalar' || v.timestep === undefined ? 'float32' : v.timestep;
    const timestepDims = v.timestep === 'scalar' ? [] : ['batch'];
    expect(ioSignature(session.inputMetadata)).toEqual({
      sample: [kind, ['batch', 4, 'height', 'width']],
      timestep: [timestepType, timestepDims],
      encoder_hidden_states: [kind, ['batch', TOKENS, hiddenSize]],
    });
    expect(ioSignature(session.outputMetadata)).toEqual({ out_sample: [kind, ['batch', 4, 'height', 'width']] });

    const [height, width] = [2, 3];
    const perRow = 4 * height * width;
    const sample = Array.from({ length: 2 * perRow }, (_, i) => stored(kind, Math.sin(i * 1.7) * 2));
    // Timesteps the schedulers really send: fractional (linspace/Karras), leading, the last one.
    const timesteps = v.timestep === 'int64' ? [951, 1] : v.timestep === 'scalar' ? [946.42] : [946.42, 0.5];
    const seen = timesteps.map((t) => (v.timestep === 'float16' ? roundToFloat16(t) : Math.fround(t)));
    const hidden = rows.map((ids) => ids.map((id) => oracleEmbedding(hiddenSize, id).map((e) => stored(kind, e))));
    const timestep =
      v.timestep === 'int64'
        ? intTensor('int64', timesteps, [2])
        : v.timestep === 'scalar'
          ? new ort.Tensor('float32', Float32Array.from(timesteps), [])
          : floatTensor(timestepType === 'float16' ? 'float16' : 'float32', timesteps, [2]);
    const out = await session.run({
      sample: floatTensor(kind, sample, [2, 4, height, width]),
      timestep,
      encoder_hidden_states: floatTensor(kind, hidden.flat(2), [2, TOKENS, hiddenSize]),
    });
    const predict = v.predictionType === 'v_prediction' ? oracleVelocity : oracleEpsilon;
    const expected = sample.map((x, i) => {
      const row = Math.floor(i / perRow);
      const channel = Math.floor((i % perRow) / (height * width));
      const x0 = oracleX0FromHiddenStates(v, hidden[row] ?? [])[channel] ?? NaN;
      return predict(x, seen[Math.min(row, seen.length - 1)] ?? NaN, x0);
    });
    expectClose(readFloats(out.out_sample), expected, kind);
  });

  it('vae_decoder turns each latent pixel into an 8×8 block of W·z + b, in height × width order', async () => {
    const session = await openSession(join(folder(c), 'vae_decoder', 'model.onnx'));
    expect(ioSignature(session.inputMetadata)).toEqual({
      latent_sample: [kind, ['batch', 4, 'latent_height', 'latent_width']],
    });
    expect(ioSignature(session.outputMetadata)).toEqual({ sample: [kind, ['batch', 3, 'height', 'width']] });
    const scale = v.scalingFactor ?? ORACLE_DEFAULT_SCALING_FACTOR;
    // Two latent rows of three pixels, each pixel a different prompt's x0.
    const prompts = ['a photo of a cat', 'a red fox in snow', 'a castle', 'landscape', 'green tree', ''];
    const x0s = prompts.map((p) => oracleX0(v, simpleTokenIds(p, pad)));
    const latent = [0, 1, 2, 3].flatMap((ch) => x0s.map((x0) => stored(kind, (x0[ch] ?? 0) / scale)));
    const out = await session.run({ latent_sample: floatTensor(kind, latent, [1, 4, 2, 3]) });
    const image = out.sample;
    expect(image?.dims).toEqual([1, 3, 16, 24]);
    const pixels = readFloats(image);
    for (const [y, x] of [[0, 0], [7, 23], [8, 0], [15, 9], [3, 12]] as const) {
      const x0 = x0s[Math.floor(y / 8) * 3 + Math.floor(x / 8)] ?? [];
      const rgb = [0, 1, 2].map((k) => pixels[k * 16 * 24 + y * 24 + x] ?? NaN);
      const colour = rgb.map((p) => Math.min(Math.max(p / 2 + 0.5, 0), 1) * PIXEL_MAX);
      const expected = oracleColour(v, x0);
      colour.forEach((got, k) => expect(Math.abs(got - (expected[k] ?? NaN))).toBeLessThan(0.5));
    }
  });

});

describe.each(CASES.filter((c) => (c.variant.vaeEncoder ?? 'none') !== 'none'))('oracle vae_encoder: $name', (c) => {
  const v = c.variant;
  const kind = floatKind(v);

  it('vae_encoder inverts the decoder for flat colours', async () => {
    const session = await openSession(join(folder(c), 'vae_encoder', 'model.onnx'));
    const outputName = v.vaeEncoder === 'latent_parameters' ? 'latent_parameters' : 'latent_sample';
    expect(ioSignature(session.inputMetadata)).toEqual({ sample: [kind, ['batch', 3, 'height', 'width']] });
    expect(ioSignature(session.outputMetadata)).toEqual({
      [outputName]: [kind, ['batch', outputName === 'latent_parameters' ? 8 : 4, 'latent_height', 'latent_width']],
    });
    const rgb = [200, 90, 40];
    const [height, width] = [16, 24];
    const image = rgb.flatMap((value) => new Array<number>(height * width).fill(value / 127.5 - 1));
    const out = await session.run({ sample: floatTensor(kind, image, [1, 3, height, width]) });
    const latent = readFloats(out[outputName]);
    const scale = v.scalingFactor ?? ORACLE_DEFAULT_SCALING_FACTOR;
    const expectedMean = oracleEncodedLatent(v, rgb).map((z) => z / scale);
    const expectedLatent = expectedMean.flatMap((z) => new Array<number>(2 * 3).fill(z));
    if (outputName === 'latent_parameters') {
      expect(out[outputName]?.dims).toEqual([1, 8, 2, 3]);
      expectClose(latent.slice(0, 24), expectedLatent, kind);
      expect(new Set(latent.slice(24))).toEqual(new Set([ENCODER_LOGVAR]));
    } else {
      expect(out[outputName]?.dims).toEqual([1, 4, 2, 3]);
      expectClose(latent, expectedLatent, kind);
    }
    // decode(encode(img)) = img, through both ONNX parts.
    const decoder = await openSession(join(folder(c), 'vae_decoder', 'model.onnx'));
    const mean = latent.slice(0, 4 * 2 * 3);
    const decoded = await decoder.run({ latent_sample: floatTensor(kind, mean, [1, 4, 2, 3]) });
    expectClose(readFloats(decoded.sample), image, kind);
  });
});

describe('unet batch', () => {
  it('accepts any batch size (2·count for guidance) with one timestep per row', async () => {
    const c = CASES[0];
    if (c === undefined) throw new Error('no default case');
    const session = await openSession(join(folder(c), 'unet', 'model.onnx'));
    const batch = 8;
    const hidden = Array.from({ length: batch }, (_, b) =>
      simpleTokenIds(b % 2 === 0 ? 'a photo of a cat' : '').map((id) => oracleEmbedding(768, id)),
    );
    const timesteps = Array.from({ length: batch }, (_, b) => 100 * b + 1);
    const out = await session.run({
      sample: floatTensor('float32', new Array<number>(batch * 4).fill(0.5), [batch, 4, 1, 1]),
      timestep: floatTensor('float32', timesteps, [batch]),
      encoder_hidden_states: floatTensor('float32', hidden.flat(2), [batch, TOKENS, 768]),
    });
    const expected = hidden.flatMap((rows, b) =>
      oracleX0FromHiddenStates({}, rows).map((x0) => oracleEpsilon(0.5, timesteps[b] ?? NaN, x0)),
    );
    expectClose(readFloats(out.out_sample), expected, 'float32');
  });
});

describe('external data', () => {
  const c = CASES.find((x) => x.variant.externalData === true);

  it('keeps the UNet weights in unet/model.onnx_data, which must sit beside model.onnx', async () => {
    if (c === undefined) throw new Error('no external-data case');
    const unetDir = join(folder(c), 'unet');
    const model = await stat(join(unetDir, 'model.onnx'));
    const data = await stat(join(unetDir, 'model.onnx_data'));
    // P alone is 768×4 floats; the σ table 1000.
    expect(data.size).toBeGreaterThanOrEqual((768 * 4 + 1000) * 4);
    expect(model.size).toBeLessThan(data.size);
    const lonely = join(folder(c), 'lonely');
    await mkdir(lonely, { recursive: true });
    await copyFile(join(unetDir, 'model.onnx'), join(lonely, 'model.onnx'));
    await expect(openSession(join(lonely, 'model.onnx'))).rejects.toThrow();
  });
});
