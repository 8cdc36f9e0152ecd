// img2img on both vae_encoder kinds, checked per pixel against the math. With an exact denoiser
// Euler-type samplers forget the init image, so DDIM is used: its result keeps a known share of
// the noised init latent, √(1−ᾱ₀)·√ᾱ_T/√(1−ᾱ_T)·(init − x0), which is what makes the encoding visible.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../src/pipeline/errors.js';
import { parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { SeededRng } from '../../../src/pipeline/sd/rng.js';
import type { GenerationParams } from '../../../src/pipeline/types.js';
import { ALPHAS_CUMPROD, oracleEncodedLatent, type OracleVariant } from '../../fixtures/oracle/index.js';
import { decodePng, maxColourError, openOracleModel, type DecodedImage, type OracleModel } from './oracle-helpers.js';

const STEPS = 10;
const INIT_RGB: [number, number, number] = [190, 60, 110];
const TOLERANCE = 2;
const BASE: GenerationParams = {
  prompt: 'a photo of a cat',
  negativePrompt: 'blurry',
  seed: 77,
  numInferenceSteps: STEPS,
  guidanceScale: 3,
  sampler: 'ddim',
  width: 64,
  height: 40,
  count: 1,
};
/** Leading spacing with steps_offset 1: 901, 801, …, 1. */
const TIMESTEPS = Array.from({ length: STEPS }, (_, i) => 1000 - (1000 / STEPS) * (i + 1) + 1);

/** Worst channel error against the closed form, latent pixel by latent pixel. */
function worstPixelError(model: OracleModel, image: DecodedImage, strength: number): number {
  const begin = STEPS - Math.min(Math.floor(STEPS * strength), STEPS);
  const t = TIMESTEPS[begin]!;
  const [aT, a0] = [ALPHAS_CUMPROD[t]!, ALPHAS_CUMPROD[0]!];
  const x0 = model.expectedLatent(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale);
  const init = oracleEncodedLatent(model.variant, INIT_RGB);
  const [latentHeight, latentWidth] = [BASE.height / 8, BASE.width / 8];
  const plane = latentHeight * latentWidth;
  const z = new SeededRng(BASE.seed).fillGaussian(new Float32Array(4 * plane));
  let worst = 0;
  for (let p = 0; p < plane; p++) {
    const latent = x0.map((x, c) => {
      const noised = Math.sqrt(aT) * init[c]! + Math.sqrt(1 - aT) * z[c * plane + p]!;
      const epsilon = (noised - Math.sqrt(aT) * x) / Math.sqrt(1 - aT);
      return Math.sqrt(a0) * x + Math.sqrt(1 - a0) * epsilon;
    });
    const colour = model.colourOf(latent);
    const [py, px] = [Math.floor(p / latentWidth) * 8, (p % latentWidth) * 8];
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(image.pixels[(py * BASE.width + px) * 3 + c]! - colour[c]!));
  }
  return worst;
}

describe.each([
  ['latent_sample', { vaeEncoder: 'latent_sample' }],
  ['latent_parameters (mean, logvar)', { vaeEncoder: 'latent_parameters' }],
] as const)('img2img with a %s vae_encoder', (_label, variant: OracleVariant) => {
  let model: OracleModel;
  let init: Buffer;
  beforeAll(async () => {
    model = await openOracleModel(variant);
    // Larger and of another aspect than the target: it is resized and centre-cropped to 64×40.
    init = await sharp({ create: { width: 150, height: 70, channels: 3, background: { r: INIT_RGB[0], g: INIT_RGB[1], b: INIT_RGB[2] } } }).png().toBuffer();
  });
  afterAll(async () => model?.dispose());

  async function run(strength: number): Promise<{ image: DecodedImage; unetRuns: number; encoderRuns: number; parameters: Map<string, string> }> {
    const before = model.pipeline.runStats();
    const result = await model.pipeline.generate({ ...BASE, init: { data: init, strength } });
    const after = model.pipeline.runStats();
    return {
      image: await decodePng(result.images[0]!.png),
      unetRuns: after.unet!.runs - before.unet!.runs,
      encoderRuns: after.vaeEncoder!.runs - before.vaeEncoder!.runs,
      parameters: parseParameterFields(readPngText(result.images[0]!.png).get('parameters')!),
    };
  }

  it('strength 0 returns the init image at the target size, without any model call', async () => {
    const { image, unetRuns, encoderRuns, parameters } = await run(0);
    expect([image.width, image.height]).toEqual([64, 40]);
    expect([unetRuns, encoderRuns]).toEqual([0, 0]);
    expect(maxColourError(image, INIT_RGB)).toBeLessThanOrEqual(1);
    expect(parameters.get('Denoising strength')).toBe('0');
  });

  it('a strength too small for one step gives the VAE round trip of the init image', async () => {
    const { image, unetRuns, encoderRuns } = await run(0.05);
    expect([unetRuns, encoderRuns]).toEqual([0, 1]);
    expect([image.width, image.height]).toEqual([64, 40]);
    expect(maxColourError(image, INIT_RGB)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each([0.1, 0.5])('strength %s runs ⌊steps·strength⌋ steps from the noised encoding', async (strength) => {
    const { image, unetRuns, parameters } = await run(strength);
    expect(unetRuns).toBe(Math.floor(STEPS * strength));
    expect([image.width, image.height]).toEqual([64, 40]);
    expect(worstPixelError(model, image, strength)).toBeLessThanOrEqual(TOLERANCE);
    expect(parameters.get('Denoising strength')).toBe(String(strength));
    expect(parameters.get('Size')).toBe('64x40');
  });

  it('strength 0.1 really shows the init image: far from the txt2img colour', async () => {
    const { image } = await run(0.1);
    expect(maxColourError(image, model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale))).toBeGreaterThan(20);
  });

  it('strength 1 is txt2img', async () => {
    const { image, unetRuns, parameters } = await run(1);
    expect(unetRuns).toBe(STEPS);
    const plain = await decodePng((await model.pipeline.generate(BASE)).images[0]!.png);
    expect(image.pixels.equals(plain.pixels)).toBe(true);
    expect(parameters.has('Denoising strength')).toBe(false);
  });
});

describe('img2img refusals', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({});
  });
  afterAll(async () => model?.dispose());

  it('a folder without vae_encoder says so, for any strength between 0 and 1', async () => {
    const init = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer();
    await expect(model.pipeline.generate({ ...BASE, init: { data: init, strength: 0.5 } })).rejects.toSatisfy(
      (error: unknown) => isPipelineError(error, 'invalid_params') && /no vae_encoder/.test(error.message),
    );
  });
});
