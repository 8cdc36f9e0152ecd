// The final overlay of inpainting and outpainting on oracle models: what the mask keeps is the
// user's own pixels, byte for byte, not their VAE round trip. The oracle VAE averages every 8×8
// block, so a picture with detail (a gradient under a fine check) would come back blocky without it.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationParams, InpaintMask, Outpaint } from '../../../src/pipeline/types.js';
import type { OracleVariant } from '../../fixtures/oracle/index.js';
import { colourSpread, decodePng, openOracleModel, type DecodedImage, type OracleModel } from './oracle-helpers.js';

const SIZE = 64;
const TOLERANCE = 2;
const BASE: GenerationParams = {
  prompt: 'a red fox in snow',
  negativePrompt: 'blurry',
  seed: 77,
  numInferenceSteps: 5,
  guidanceScale: 3,
  sampler: 'euler',
  width: SIZE,
  height: SIZE,
  count: 2,
};

/** HWC bytes: red rises to the right, green downwards, blue alternates in a 2-pixel check. */
function detailedPixels(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      rgb[at] = 30 + Math.round((x * 190) / width);
      rgb[at + 1] = 40 + Math.round((y * 170) / height);
      rgb[at + 2] = ((x >> 1) + (y >> 1)) % 2 === 0 ? 60 : 180;
    }
  }
  return rgb;
}

function pixel(pixels: Uint8Array, width: number, x: number, y: number): number[] {
  const at = (y * width + x) * 3;
  return [...pixels.subarray(at, at + 3)];
}

/** The pixels of `image` in a rectangle that differ from `expected` at (x − dx, y − dy), as "x,y". */
function differing(image: DecodedImage, expected: Uint8Array, expectedWidth: number, box: { x0: number; y0: number; x1: number; y1: number }, dx = 0, dy = 0): string[] {
  const out: string[] = [];
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      if (colourSpread(pixel(image.pixels, image.width, x, y), pixel(expected, expectedWidth, x - dx, y - dy)) !== 0) out.push(`${x},${y}`);
    }
  }
  return out;
}

function worstIn(image: DecodedImage, colour: readonly number[], box: { x0: number; y0: number; x1: number; y1: number }): number {
  let worst = 0;
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) worst = Math.max(worst, colourSpread(pixel(image.pixels, image.width, x, y), colour));
  return worst;
}

describe.each([
  ['an inpainting UNet (9 channels)', { inpainting: true, vaeEncoder: 'latent_sample' }],
  ['a normal UNet (masked img2img)', { vaeEncoder: 'latent_sample' }],
] as const)('the kept area is the original, byte for byte, with %s', (_label, variant: OracleVariant) => {
  let model: OracleModel;
  let original: Uint8Array;
  let init: Buffer;
  let prompt: number[];
  beforeAll(async () => {
    model = await openOracleModel(variant);
    original = detailedPixels(SIZE, SIZE);
    init = await sharp(original, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toBuffer();
    prompt = model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale);
  });
  afterAll(async () => model?.dispose());

  async function inpaint(mask: InpaintMask): Promise<DecodedImage[]> {
    const result = await model.pipeline.generate({ ...BASE, init: { data: init, strength: 1 }, mask });
    return Promise.all(result.images.map((image) => decodePng(image.png)));
  }

  it('a hard mask: every kept pixel equals the init image, the repainted half has the prompt colour', async () => {
    const images = await inpaint({ source: { kind: 'region', region: 'right' }, blur: 0 });
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect(differing(image, original, SIZE, { x0: 0, y0: 0, x1: SIZE / 2, y1: SIZE })).toEqual([]);
      expect(worstIn(image, prompt, { x0: SIZE / 2, y0: 0, x1: SIZE, y1: SIZE })).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('mask blur: far from the edge the original holds exactly and the prompt colour holds, at the edge the two blend', async () => {
    const [image] = await inpaint({ source: { kind: 'region', region: 'left' }, blur: 4 });
    // A Gaussian of 4 pixels has faded below half a byte 16 pixels out.
    expect(differing(image!, original, SIZE, { x0: SIZE / 2 + 16, y0: 0, x1: SIZE, y1: SIZE })).toEqual([]);
    expect(worstIn(image!, prompt, { x0: 0, y0: 0, x1: 8, y1: SIZE })).toBeLessThanOrEqual(TOLERANCE);
    for (const x of [SIZE / 2 - 1, SIZE / 2]) {
      const edge = pixel(image!.pixels, SIZE, x, SIZE / 2);
      expect(colourSpread(edge, prompt)).toBeGreaterThan(TOLERANCE);
      expect(colourSpread(edge, pixel(original, SIZE, x, SIZE / 2))).toBeGreaterThan(0);
    }
  });

  // Zoom Out and Pan use A1111's default outpainting blur (8); the old picture stays untouched anyway.
  it.each<[string, Outpaint, number, number, number, number]>([
    ['Zoom Out 2×', { kind: 'zoom', factor: 2 }, 128, 128, 32, 32],
    ['Pan left', { kind: 'pan', direction: 'left' }, 96, 64, 32, 0],
  ])('%s: the old picture is byte-identical in its new place, the new area has the prompt colour', async (_name, outpaint, width, height, left, top) => {
    const result = await model.pipeline.generate({ ...BASE, count: 1, width, height, init: { data: init, strength: 1 }, outpaint });
    const image = await decodePng(result.images[0]!.png);
    expect([image.width, image.height]).toEqual([width, height]);
    expect(differing(image, original, SIZE, { x0: left, y0: top, x1: left + SIZE, y1: top + SIZE }, left, top)).toEqual([]);
    // The far corner of the new area, well beyond the blur.
    expect(worstIn(image, prompt, { x0: 0, y0: 0, x1: 4, y1: 4 })).toBeLessThanOrEqual(TOLERANCE);
    // The seam is feathered outwards: just outside the old picture the new area blends towards it.
    const seam = pixel(image.pixels, width, left - 1, top + SIZE / 2);
    expect(colourSpread(seam, prompt)).toBeGreaterThan(TOLERANCE);
  });

  it('plain img2img gets no overlay: the whole picture is redrawn', async () => {
    const result = await model.pipeline.generate({ ...BASE, count: 1, init: { data: init, strength: 0.5 } });
    const image = await decodePng(result.images[0]!.png);
    // The oracle decoder paints each latent pixel as one flat 8×8 block, where the original had a check.
    expect(pixel(image.pixels, SIZE, 0, 0)).toEqual(pixel(image.pixels, SIZE, 2, 0));
    expect(pixel(original, SIZE, 0, 0)).not.toEqual(pixel(original, SIZE, 2, 0));
  });
});
