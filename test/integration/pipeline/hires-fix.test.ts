// The hires fix on an oracle model: a first pass at the requested size, an upscale (of the latents,
// Lanczos, or an upscaler model from UPSCALERS_DIR) and an img2img pass at the final size. With an
// exact denoiser and Euler the result is the prompt's closed-form colour at the final size.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../src/pipeline/errors.js';
import { parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import type { GenerationParams, GenerationProgress } from '../../../src/pipeline/types.js';
import { writeOracleUpscaler } from '../../fixtures/oracle/index.js';
import { decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const BASE: GenerationParams = {
  prompt: 'a harbour at dawn',
  negativePrompt: '',
  seed: 99,
  numInferenceSteps: 6,
  guidanceScale: 4,
  sampler: 'euler',
  width: 32,
  height: 24,
  count: 1,
};
const UPSCALER = 'oracle-x2';

describe('hires fix', () => {
  let model: OracleModel;
  let upscalersDir: string;
  beforeAll(async () => {
    upscalersDir = await mkdtemp(join(tmpdir(), 'imagine-upscalers-'));
    await writeOracleUpscaler(join(upscalersDir, `${UPSCALER}.onnx`), 2);
    model = await openOracleModel({ vaeEncoder: 'latent_sample' }, { upscalersDir });
  });
  afterAll(async () => {
    await model?.dispose();
    await rm(upscalersDir, { recursive: true, force: true });
  });

  it('latent upscale: final size scale × the first pass, both passes on one progress bar, A1111 parameters', async () => {
    const events: GenerationProgress[] = [];
    const before = model.pipeline.runStats().unet!.runs;
    const result = await model.pipeline.generate(
      { ...BASE, hires: { scale: 2, steps: 4, denoise: 0.5, upscaler: 'latent' } },
      { onProgress: (p) => events.push(p), previewEvery: 3 },
    );
    const image = await decodePng(result.images[0]!.png);
    expect([image.width, image.height]).toEqual([64, 48]);
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([64, 48]);
    expect(maxColourError(image, model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, { width: 64, height: 48 }))).toBeLessThanOrEqual(2);
    // 6 steps, then ⌊4 · 0.5⌋ = 2 of the second pass, counted on from 6.
    const steps = events.filter((p) => p.preview === undefined);
    expect(steps.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(steps.map((p) => p.total))).toEqual(new Set([8]));
    expect(events.filter((p) => p.preview !== undefined).map((p) => p.step)).toEqual([3, 6]);
    expect(model.pipeline.runStats().unet!.runs - before).toBe(8);
    const parameters = parseParameterFields(readPngText(result.images[0]!.png).get('parameters')!);
    expect(Object.fromEntries(['Size', 'Hires upscale', 'Hires steps', 'Hires upscaler', 'Denoising strength'].map((key) => [key, parameters.get(key)]))).toEqual({
      Size: '32x24',
      'Hires upscale': '2',
      'Hires steps': '4',
      'Hires upscaler': 'Latent',
      'Denoising strength': '0.5',
    });
  });

  it.each([
    ['lanczos', 'Lanczos'],
    [UPSCALER, UPSCALER],
  ])('%s: decodes, upscales, encodes again and refines at the final size', async (upscaler, recorded) => {
    const encoderRuns = model.pipeline.runStats().vaeEncoder!.runs;
    const result = await model.pipeline.generate({ ...BASE, count: 2, hires: { scale: 1.5, denoise: 0.6, upscaler } });
    expect(model.pipeline.runStats().vaeEncoder!.runs - encoderRuns).toBe(2);
    for (const generated of result.images) {
      const image = await decodePng(generated.png);
      expect([image.width, image.height]).toEqual([48, 40]);
      expect(maxColourError(image, model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, { width: 48, height: 40 }))).toBeLessThanOrEqual(2);
    }
    const parameters = parseParameterFields(readPngText(result.images[0]!.png).get('parameters')!);
    expect(parameters.get('Hires upscaler')).toBe(recorded);
    expect(parameters.get('Hires upscale')).toBe('1.5');
    // No --hires-steps: the second pass uses the first pass's, and A1111 leaves the field out.
    expect(parameters.has('Hires steps')).toBe(false);
  });

  it('an unknown upscaler is refused, naming the ones in the folder', async () => {
    await expect(model.pipeline.generate({ ...BASE, hires: { scale: 2, denoise: 0.5, upscaler: 'RealESRGAN_x4plus' } })).rejects.toSatisfy(
      (error: unknown) => isPipelineError(error, 'invalid_params') && /RealESRGAN_x4plus/.test(error.message) && error.message.includes(UPSCALER),
    );
  });

  it('an upscale-only job with an upscaler model enlarges the image with the model, not with Lanczos', async () => {
    const init = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toBuffer();
    const result = await model.pipeline.generate({ ...BASE, width: 32, height: 32, init: { data: init, strength: 0 }, upscaler: UPSCALER });
    const image = await decodePng(result.images[0]!.png);
    expect([image.width, image.height]).toEqual([32, 32]);
    // The oracle upscaler blurs with zero padding: the middle keeps the colour, the corner darkens to 4/9 of it.
    expect([...image.pixels.subarray((16 * 32 + 16) * 3, (16 * 32 + 16) * 3 + 3)]).toEqual([200, 100, 50]);
    expect(image.pixels[0]!).toBeLessThan(150);
  });
});
