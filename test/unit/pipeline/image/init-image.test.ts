// What a user sees when their init image cannot be used, and what a good one turns into.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../../src/pipeline/errors.js';
import { loadInitImage } from '../../../../src/pipeline/image/init-image.js';

const LIMIT = 4096 * 4096;

async function image(width: number, height: number, format: 'png' | 'jpeg'): Promise<Buffer> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 250, g: 0, b: 0 } } });
  return format === 'png' ? base.png().toBuffer() : base.jpeg().toBuffer();
}

describe('loadInitImage', () => {
  it.each([
    ['text that is not an image', async () => Buffer.from('hello, this is not a picture'), /not a picture that can be read; send a PNG, JPEG, WebP, GIF, AVIF or TIFF file/],
    ['an empty file', async () => Buffer.alloc(0), /the init image is empty/],
    ['a truncated PNG', async () => (await image(64, 64, 'png')).subarray(0, 60), /damaged or cut short/],
    ['a truncated JPEG', async () => (await image(64, 64, 'jpeg')).subarray(0, 200), /damaged or cut short/],
  ])('rejects %s with a readable reason', async (_label, bytes, message) => {
    const error = await loadInitImage(await bytes(), 64, 64, LIMIT).catch((e: unknown) => e);
    expect(isPipelineError(error, 'invalid_init_image')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/vips|buffer|header/i);
  });

  it('rejects an image over the pixel limit before decoding it, giving its size and the limit', async () => {
    await expect(loadInitImage(await image(200, 100, 'png'), 64, 64, 10_000)).rejects.toThrow(
      'the init image is 200x100 (20000 pixels); the limit is 10000 pixels, so send a smaller one',
    );
    await expect(loadInitImage(await image(5000, 4000, 'jpeg'), 64, 64, LIMIT)).rejects.toThrow(
      'the init image is 5000x4000 (20.0 megapixels); the limit is 16.8 megapixels, so send a smaller one',
    );
  });

  it('resizes and centre-crops to the target size, channel-first in [-1, 1]', async () => {
    const loaded = await loadInitImage(await image(300, 100, 'png'), 40, 24, LIMIT);
    expect(loaded.rgb).toHaveLength(40 * 24 * 3);
    expect([...loaded.rgb.subarray(0, 3)]).toEqual([250, 0, 0]);
    expect(loaded.chw[0]).toBeCloseTo(250 / 127.5 - 1, 6);
    expect(loaded.chw[40 * 24]).toBeCloseTo(-1, 6);
  });
});
