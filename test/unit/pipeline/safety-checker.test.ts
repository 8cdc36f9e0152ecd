// SafetyChecker against the oracle checker ONNX: one flag per image, in order, whatever the batch.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/pipeline/onnx/onnx-model.js';
import { SafetyChecker, type RgbImage } from '../../../src/pipeline/vae/safety-checker.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';

let dir = '';
let model: OnnxModel;

function flat(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { rgb: data, width, height };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checker-'));
  await writeOracleModel(dir, { safetyRedThreshold: 0.5 });
  model = await OnnxModel.load(join(dir, 'safety_checker', 'model.onnx'), { provider: 'cpu', threads: 1 });
});

afterAll(async () => {
  await model?.release();
  await rm(dir, { recursive: true, force: true });
});

describe('SafetyChecker', () => {
  const red: [number, number, number] = [230, 40, 40];
  const blue: [number, number, number] = [30, 40, 220];

  it('reports one flag per image, in order, from one batched run', async () => {
    const checker = new SafetyChecker(model);
    const before = model.stats.runs;
    expect(await checker.check([flat(40, 24, blue), flat(40, 24, red), flat(40, 24, blue)])).toEqual([false, true, false]);
    expect(model.stats.runs - before).toBe(1);
  });

  it('checks images of different sizes one by one', async () => {
    const checker = new SafetyChecker(model);
    expect(await checker.check([flat(16, 64, red), flat(64, 16, blue)])).toEqual([true, false]);
    expect(await checker.check([])).toEqual([]);
  });

  it('refuses a graph without the expected inputs, naming them', async () => {
    const unet = await OnnxModel.load(join(dir, 'unet', 'model.onnx'), { provider: 'cpu', threads: 1 });
    try {
      expect(() => new SafetyChecker(unet)).toThrow(/no input "clip_input"/);
    } finally {
      await unet.release();
    }
  });
});
