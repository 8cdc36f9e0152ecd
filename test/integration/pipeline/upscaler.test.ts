// Upscaler models on a tiny ONNX upscaler whose mapping is known (3×3 box blur with zero padding,
// then nearest ×s): the factor is read from the graph, the output follows the mapping, and tiling
// with overlap gives the same picture as one untiled run, where tiles without overlap would show seams.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxUpscaler } from '../../../src/pipeline/upscale/onnx-upscaler.js';
import { UpscalerModels } from '../../../src/pipeline/upscale/upscaler-models.js';
import { isPipelineError } from '../../../src/pipeline/errors.js';
import { oracleUpscaledValue, writeOracleUpscaler } from '../../fixtures/oracle/index.js';

const [WIDTH, HEIGHT] = [100, 70];
const SESSION = { provider: 'cpu', threads: 1 } as const;
const UNTILED = { tileSize: 4096, overlap: 0 };

/** Deterministic, busy picture: neighbouring pixels differ, so any seam shows. */
function testImage(): Uint8Array {
  const rgb = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7919 + (i >> 5) * 104729) % 256;
  return rgb;
}

function maxDifference(a: Uint8Array, b: Uint8Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('ONNX upscaler models', () => {
  let dir: string;
  const image = testImage();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagine-upscalers-'));
    await writeOracleUpscaler(join(dir, 'oracle-x2.onnx'), 2);
    await writeOracleUpscaler(join(dir, 'oracle-x4.onnx'), 4);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it.each([2, 4])('reads the ×%s factor from the graph and follows the known mapping', async (scale) => {
    const upscaler = await OnnxUpscaler.load(join(dir, `oracle-x${scale}.onnx`), 'oracle', SESSION, UNTILED);
    try {
      expect(upscaler.scale).toBe(scale);
      const out = await upscaler.upscale(image, WIDTH, HEIGHT);
      expect([out.width, out.height]).toEqual([WIDTH * scale, HEIGHT * scale]);
      const pixel = (c: number, y: number, x: number): number => image[(y * WIDTH + x) * 3 + c]! / 255;
      let worst = 0;
      for (const [y, x] of [[0, 0], [5, 17], [HEIGHT * scale - 1, WIDTH * scale - 1], [63, 129]] as const) {
        for (let c = 0; c < 3; c++) {
          const expected = oracleUpscaledValue(pixel, WIDTH, HEIGHT, scale, c, y, x) * 255;
          worst = Math.max(worst, Math.abs(out.rgb[(y * WIDTH * scale + x) * 3 + c]! - expected));
        }
      }
      expect(worst).toBeLessThanOrEqual(0.5);
    } finally {
      await upscaler.release();
    }
  });

  it('tiles with overlap leave no seam: the result equals the untiled run, while tiles without overlap differ at their edges', async () => {
    const file = join(dir, 'oracle-x2.onnx');
    const [whole, tiled, butted] = await Promise.all([
      OnnxUpscaler.load(file, 'oracle', SESSION, UNTILED),
      OnnxUpscaler.load(file, 'oracle', SESSION, { tileSize: 32, overlap: 8 }),
      OnnxUpscaler.load(file, 'oracle', SESSION, { tileSize: 32, overlap: 0 }),
    ]);
    try {
      const reference = (await whole.upscale(image, WIDTH, HEIGHT)).rgb;
      expect(maxDifference((await tiled.upscale(image, WIDTH, HEIGHT)).rgb, reference)).toBeLessThanOrEqual(1);
      expect(maxDifference((await butted.upscale(image, WIDTH, HEIGHT)).rgb, reference)).toBeGreaterThan(20);
    } finally {
      await Promise.all([whole.release(), tiled.release(), butted.release()]);
    }
  });

  it('UPSCALERS_DIR lists its models by name, and an unknown name is refused naming the ones there are', async () => {
    const models = new UpscalerModels(dir, SESSION);
    try {
      expect(await models.names()).toEqual(['oracle-x2', 'oracle-x4']);
      expect((await models.get('oracle-x4')).scale).toBe(4);
      await expect(models.get('RealESRGAN_x4plus')).rejects.toSatisfy(
        (error: unknown) => isPipelineError(error, 'invalid_params') && /RealESRGAN_x4plus/.test(error.message) && /oracle-x2, oracle-x4/.test(error.message),
      );
    } finally {
      await models.release();
    }
  });
});
