import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CLIP_IMAGE_SIZE, CLIP_MEAN, CLIP_STD, clipPixelValues } from '../../../../src/pipeline/image/clip-preprocess.js';

const PLANE = CLIP_IMAGE_SIZE * CLIP_IMAGE_SIZE;

async function rawImage(width: number, height: number, paint: (x: number) => [number, number, number]): Promise<Uint8Array> {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(paint(x), (y * width + x) * 3);
  return rgb;
}

describe('clipPixelValues', () => {
  it('normalises each channel with CLIP’s mean and std, channel-first', async () => {
    const values = await clipPixelValues(await rawImage(300, 200, () => [255, 128, 0]), 300, 200);
    expect(values).toHaveLength(3 * PLANE);
    const expected = [255, 128, 0].map((v, c) => (v / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!);
    for (let c = 0; c < 3; c++) {
      expect(values[c * PLANE]).toBeCloseTo(expected[c]!, 5);
      expect(values[(c + 1) * PLANE - 1]).toBeCloseTo(expected[c]!, 5);
    }
  });

  it('resizes the shortest side to 224 and keeps the centre', async () => {
    // Left third red, middle third green, right third blue: the centre crop is all green.
    const width = 3 * CLIP_IMAGE_SIZE;
    const rgb = await rawImage(width, CLIP_IMAGE_SIZE * 2, (x) => (x < CLIP_IMAGE_SIZE ? [255, 0, 0] : x < 2 * CLIP_IMAGE_SIZE ? [0, 255, 0] : [0, 0, 255]));
    const values = await clipPixelValues(rgb, width, CLIP_IMAGE_SIZE * 2);
    // Shortest side 448 → 224 halves the image: 672 × 448 → 336 × 224, crop columns 56…279 of it.
    const green = (1 - CLIP_MEAN[1]) / CLIP_STD[1];
    const row = CLIP_IMAGE_SIZE * 100;
    expect(values[PLANE + row + CLIP_IMAGE_SIZE / 2]).toBeCloseTo(green, 2);
    expect(values[PLANE + row]).toBeLessThan(green - 1); // column 56 of 336 is red
    expect(values[2 * PLANE + row + CLIP_IMAGE_SIZE - 1]).toBeGreaterThan((0.5 - CLIP_MEAN[2]) / CLIP_STD[2]); // column 279 is blue
  });

  it('is what sharp’s bicubic cover resize gives', async () => {
    const rgb = await rawImage(50, 30, (x) => [x * 5, 255 - x * 5, 100]);
    const reference = await sharp(rgb, { raw: { width: 50, height: 30, channels: 3 } }).resize(224, 224, { fit: 'cover', kernel: 'cubic' }).raw().toBuffer();
    const values = await clipPixelValues(rgb, 50, 30);
    expect(values[PLANE + 5]).toBeCloseTo((reference[5 * 3 + 1]! / 255 - CLIP_MEAN[1]) / CLIP_STD[1], 5);
  });
});
