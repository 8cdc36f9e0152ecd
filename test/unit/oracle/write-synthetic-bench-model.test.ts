// The benchmark UNet keeps the oracle's answer while really running its convolution stack.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  oracleEmbedding,
  oracleEpsilon,
  oracleX0,
  simpleTokenIds,
  writeSyntheticBenchModel,
} from '../../fixtures/oracle/index.js';
import { floatTensor, makeTempDir, readFloats } from './ort-test-helpers.js';

const CHANNELS = 8;
const LAYERS = 3;
const LATENT_SIZE = 8;
const TOKENS = 77;
const HIDDEN = 768;

let dir = '';
let cleanup: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const temp = await makeTempDir();
  cleanup = temp.remove;
  dir = join(temp.dir, 'bench');
  await writeSyntheticBenchModel(dir, { channels: CHANNELS, layers: LAYERS });
});

afterAll(async () => {
  await cleanup?.();
});

describe('writeSyntheticBenchModel', () => {
  it('still returns the oracle ε, so colour checks hold on the benchmark model', async () => {
    const session = await ort.InferenceSession.create(join(dir, 'unet', 'model.onnx'));
    const ids = simpleTokenIds('a photo of a cat');
    const perRow = 4 * LATENT_SIZE * LATENT_SIZE;
    const sample = Array.from({ length: 2 * perRow }, (_, i) => Math.cos(i) * 3);
    const hidden = [ids, ids].flatMap((row) => row.flatMap((id) => oracleEmbedding(HIDDEN, id)));
    const out = await session.run({
      sample: floatTensor('float32', sample, [2, 4, LATENT_SIZE, LATENT_SIZE]),
      timestep: floatTensor('float32', [500, 20], [2]),
      encoder_hidden_states: floatTensor('float32', hidden, [2, TOKENS, HIDDEN]),
    });
    const x0 = oracleX0({}, ids);
    const got = readFloats(out.out_sample);
    sample.forEach((x, i) => {
      const t = i < perRow ? 500 : 20;
      const channel = Math.floor((i % perRow) / (LATENT_SIZE * LATENT_SIZE));
      expect(got[i]).toBeCloseTo(oracleEpsilon(x, t, x0[channel] ?? NaN), 3);
    });
  });

  it('keeps every convolution after onnxruntime’s full graph optimisation', async () => {
    const optimized = join(dir, 'unet-optimized.onnx');
    await ort.InferenceSession.create(join(dir, 'unet', 'model.onnx'), {
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: optimized,
    });
    const model = onnxProto.onnx.ModelProto.decode(await readFile(optimized));
    const convolutions = (model.graph?.node ?? []).filter((n) => /Conv/.test(n.opType ?? ''));
    expect(convolutions.length).toBeGreaterThanOrEqual(LAYERS);
  });
});
