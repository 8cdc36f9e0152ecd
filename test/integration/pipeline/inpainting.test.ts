// Inpainting and outpainting on oracle models. The inpainting oracle's UNet takes 9 channels and
// is the exact denoiser for x0 = m·x0(prompt) + (1 − m)·masked_image_latents; the normal oracle
// inpaints by masked img2img. Either way, with Euler the repainted area ends at the prompt's
// closed-form colour and the kept area at the init image's colour.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../src/pipeline/errors.js';
import { parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import type { GenerationParams, InpaintMask, Outpaint } from '../../../src/pipeline/types.js';
import type { OracleVariant } from '../../fixtures/oracle/index.js';
import { colourSpread, decodePng, openOracleModel, type DecodedImage, type OracleModel } from './oracle-helpers.js';

type Rgb = readonly [number, number, number];
const SIZE = 64;
const INIT_RGB: Rgb = [190, 60, 110];
const OTHER_RGB: Rgb = [40, 170, 90];
const TOLERANCE = 2;
const BASE: GenerationParams = {
  prompt: 'a red fox in snow',
  negativePrompt: 'blurry',
  seed: 321,
  numInferenceSteps: 6,
  guidanceScale: 3,
  sampler: 'euler',
  width: SIZE,
  height: SIZE,
  count: 2,
};

function flat(width: number, height: number, rgb: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

/** Left half `left`, right half `right`. */
async function halves(width: number, height: number, left: Rgb, right: Rgb): Promise<Buffer> {
  return sharp(await flat(width, height, right))
    .composite([{ input: await flat(width / 2, height, left), left: 0, top: 0 }])
    .png()
    .toBuffer();
}

function pixel(image: DecodedImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return [...image.pixels.subarray(at, at + 3)];
}

/** Worst distance from `colour` over the pixels of a rectangle. */
function worstIn(image: DecodedImage, colour: readonly number[], x0: number, y0: number, x1: number, y1: number): number {
  let worst = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) worst = Math.max(worst, colourSpread(pixel(image, x, y), colour));
  return worst;
}

describe.each([
  ['an inpainting UNet (9 channels)', { inpainting: true, vaeEncoder: 'latent_sample' }],
  ['a normal UNet (masked img2img)', { vaeEncoder: 'latent_sample' }],
] as const)('inpainting with %s', (_label, variant: OracleVariant) => {
  let model: OracleModel;
  let init: Buffer;
  let prompt: number[];
  beforeAll(async () => {
    model = await openOracleModel(variant);
    init = await flat(SIZE, SIZE, INIT_RGB);
    prompt = model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale);
    // The test means something only if the two colours are far apart.
    expect(colourSpread(prompt, INIT_RGB)).toBeGreaterThan(40);
  });
  afterAll(async () => model?.dispose());

  async function inpaint(mask: InpaintMask, extra: Partial<GenerationParams> = {}) {
    const before = model.pipeline.runStats().unet!.runs;
    const result = await model.pipeline.generate({ ...BASE, init: { data: init, strength: 1 }, mask, ...extra });
    return {
      images: await Promise.all(result.images.map((image) => decodePng(image.png))),
      unetRuns: model.pipeline.runStats().unet!.runs - before,
      parameters: parseParameterFields(readPngText(result.images[0]!.png).get('parameters')!),
    };
  }

  it('an uploaded mask: white repaints with the prompt, black keeps the init image, in one UNet call per step', async () => {
    const maskPng = await halves(SIZE, SIZE, [255, 255, 255], [0, 0, 0]);
    const { images, unetRuns, parameters } = await inpaint({ source: { kind: 'image', data: maskPng }, blur: 0 });
    expect(unetRuns).toBe(BASE.numInferenceSteps);
    for (const image of images) {
      expect([image.width, image.height]).toEqual([SIZE, SIZE]);
      expect(worstIn(image, prompt, 0, 0, SIZE / 2, SIZE)).toBeLessThanOrEqual(TOLERANCE);
      expect(worstIn(image, INIT_RGB, SIZE / 2, 0, SIZE, SIZE)).toBeLessThanOrEqual(TOLERANCE);
    }
    expect(parameters.get('Mask blur')).toBe('0');
    expect(parameters.get('Denoising strength')).toBe('1');
  });

  // DDIM stops at its last-step residual, so only masked img2img (which puts the kept area back) is exact with it.
  it.each(variant.inpainting === true ? (['dpmpp_2m_karras', 'euler_a'] as const) : (['ddim', 'dpmpp_2m_karras', 'euler_a'] as const))('with %s too, the kept half comes back as the init image', async (sampler) => {
    const { images } = await inpaint({ source: { kind: 'region', region: 'top' }, blur: 0 }, { sampler, count: 1 });
    expect(worstIn(images[0]!, INIT_RGB, 0, SIZE / 2, SIZE, SIZE)).toBeLessThanOrEqual(TOLERANCE);
    expect(colourSpread(pixel(images[0]!, 10, 10), INIT_RGB)).toBeGreaterThan(20);
  });

  it('a drawn region (the right half) is repainted and the rest kept', async () => {
    const { images } = await inpaint({ source: { kind: 'region', region: 'right' }, blur: 0 });
    expect(worstIn(images[0]!, INIT_RGB, 0, 0, SIZE / 2, SIZE)).toBeLessThanOrEqual(TOLERANCE);
    expect(worstIn(images[0]!, prompt, SIZE / 2, 0, SIZE, SIZE)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('mask blur softens the edge: far from it both colours hold, at it they mix', async () => {
    const { images, parameters } = await inpaint({ source: { kind: 'region', region: 'left' }, blur: 4 });
    const image = images[0]!;
    expect(worstIn(image, prompt, 0, 0, 8, SIZE)).toBeLessThanOrEqual(TOLERANCE);
    expect(worstIn(image, INIT_RGB, SIZE - 8, 0, SIZE, SIZE)).toBeLessThanOrEqual(TOLERANCE);
    // Both latent pixels beside the edge mix the two colours (unblurred, each would be one of them).
    for (const x of [SIZE / 2 - 1, SIZE / 2]) {
      const edge = pixel(image, x, SIZE / 2);
      expect(colourSpread(edge, prompt)).toBeGreaterThan(TOLERANCE);
      expect(colourSpread(edge, INIT_RGB)).toBeGreaterThan(TOLERANCE);
    }
    expect(parameters.get('Mask blur')).toBe('4');
  });

  it.each<[string, Outpaint, number, number]>([
    ['Zoom Out 2×', { kind: 'zoom', factor: 2 }, 128, 128],
    ['Pan right', { kind: 'pan', direction: 'right' }, 96, 64],
    ['Pan up', { kind: 'pan', direction: 'up' }, 64, 96],
  ])('%s keeps the old picture in its new place and paints the new area with the prompt', async (_name, outpaint, width, height) => {
    init = await halves(SIZE, SIZE, INIT_RGB, OTHER_RGB);
    try {
      const result = await model.pipeline.generate({ ...BASE, count: 1, width, height, init: { data: init, strength: 1 }, outpaint, mask: { source: { kind: 'region', region: 'border' }, blur: 0 } });
      const image = await decodePng(result.images[0]!.png);
      expect([image.width, image.height]).toEqual([width, height]);
      // Where the 64×64 picture lands: centred at half size for the zoom, flush with the far side for a pan.
      const [left, top, side] = outpaint.kind === 'zoom' ? [32, 32, 64] : outpaint.direction === 'right' ? [0, 0, 64] : [0, 32, 64];
      expect(worstIn(image, INIT_RGB, left, top, left + side / 2, top + side)).toBeLessThanOrEqual(TOLERANCE);
      expect(worstIn(image, OTHER_RGB, left + side / 2, top, left + side, top + side)).toBeLessThanOrEqual(TOLERANCE);
      const outside = outpaint.kind === 'zoom' ? [0, 0, width, top] : outpaint.direction === 'right' ? [side, 0, width, height] : [0, 0, width, top];
      expect(worstIn(image, prompt, outside[0]!, outside[1]!, outside[2]!, outside[3]!)).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      init = await flat(SIZE, SIZE, INIT_RGB);
    }
  });
});

describe('inpainting refusals', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({ vaeEncoder: 'latent_sample' });
  });
  afterAll(async () => model?.dispose());

  it.each([
    ['a mask that is not a picture', () => Promise.resolve(Buffer.from('not a picture')), /mask is not a picture/],
    ['a mask of another shape than the init image', () => flat(64, 32, [255, 255, 255]), /mask is 64x32 but the init image is 64x64/],
  ])('%s is refused, naming the mask', async (_name, makeMask, message) => {
    const params: GenerationParams = { ...BASE, count: 1, init: { data: await flat(64, 64, INIT_RGB), strength: 1 }, mask: { source: { kind: 'image', data: await makeMask() }, blur: 0 } };
    await expect(model.pipeline.generate(params)).rejects.toSatisfy((error: unknown) => isPipelineError(error, 'invalid_init_image') && message.test(error.message));
  });

  it('a mask without an init image is refused', async () => {
    await expect(model.pipeline.generate({ ...BASE, mask: { source: { kind: 'region', region: 'left' }, blur: 0 } })).rejects.toSatisfy(
      (error: unknown) => isPipelineError(error, 'invalid_params') && /needs an init image/.test(error.message),
    );
  });
});
