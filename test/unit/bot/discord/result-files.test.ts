import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { prepareResultFiles, type ResultFilesOptions, type ResultImage } from '../../../../src/bot/discord/result-files.js';

const SIDE = 64;
const MIB = 1024 * 1024;

async function flat(seed: number, nsfw = false): Promise<ResultImage> {
  const png = await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: { r: seed % 256, g: 90, b: 200 } } })
    .png()
    .toBuffer();
  return { filename: `imagine-${seed}.png`, png, width: SIDE, height: SIDE, nsfw };
}

/** A gradient with fine grain: PNG compresses it poorly, lossy formats well. */
async function grainy(seed: number, side: number): Promise<ResultImage> {
  const pixels = Buffer.alloc(side * side * 3);
  for (let i = 0; i < pixels.length; i += 1) {
    const pixel = Math.floor(i / 3);
    pixels[i] = ((pixel % side) + Math.floor(pixel / side) + ((i * 7919 + seed) % 13)) % 256;
  }
  const png = await sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
  return { filename: `imagine-${seed}.png`, png, width: side, height: side, nsfw: false };
}

const plain: ResultFilesOptions = { sizeLimitBytes: 10 * MIB };

describe('prepareResultFiles', () => {
  it('sends one image as its PNG, bytes untouched, with no notes', async () => {
    const image = await flat(42);
    const { files, notes } = await prepareResultFiles([image], plain);
    expect(files.map((file) => file.name)).toEqual(['imagine-42.png']);
    expect(files[0]?.data.equals(Buffer.from(image.png))).toBe(true);
    expect(notes).toEqual([]);
  });

  it('puts a grid of all images first when there are several', async () => {
    const images = await Promise.all([1, 2, 3].map((seed) => flat(seed)));
    const { files } = await prepareResultFiles(images, plain);
    expect(files.map((file) => file.name)).toEqual(['grid.png', 'imagine-1.png', 'imagine-2.png', 'imagine-3.png']);
    const grid = await sharp(files[0]?.data).metadata();
    // 3 images → 2×2 cells with a gap.
    expect(grid.width).toBeGreaterThanOrEqual(2 * SIDE);
    expect(grid.height).toBeGreaterThanOrEqual(2 * SIDE);
  });

  it('converts an image over the upload limit and says so', async () => {
    const image = await grainy(7, 512);
    const limit = Math.floor(image.png.length * 0.6);
    const { files, notes } = await prepareResultFiles([image], { ...plain, sizeLimitBytes: limit });
    expect(files).toHaveLength(1);
    expect(files[0]?.name).toMatch(/^imagine-7\.(webp|jpg)$/);
    expect(files[0]?.data.length).toBeLessThanOrEqual(limit);
    expect(notes.join(' ')).toMatch(/upload limit here: sent as (WebP|JPEG), with its parameters in EXIF/);
  });

  it('sends an image the presenter marked flagged as a spoiler, the grid too', async () => {
    const images = [await flat(1), await flat(2, true)];
    const { files } = await prepareResultFiles(images, plain);
    expect(files.map((file) => file.name)).toEqual(['SPOILER_grid.png', 'imagine-1.png', 'SPOILER_imagine-2.png']);
  });
});
