import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readImageHeader } from '../../../src/commands/image-header.js';

async function encode(width: number, height: number, format: 'png' | 'jpeg' | 'webp', options: Record<string, unknown> = {}, alpha = false): Promise<Uint8Array> {
  const image = sharp({ create: { width, height, channels: alpha ? 4 : 3, background: { r: 10, g: 120, b: 200, alpha: 0.5 } } });
  return new Uint8Array(await image.toFormat(format, options).toBuffer());
}

describe('readImageHeader', () => {
  it.each([
    { name: 'PNG', make: () => encode(300, 200, 'png'), format: 'png' },
    { name: 'baseline JPEG', make: () => encode(317, 211, 'jpeg'), format: 'jpeg' },
    { name: 'progressive JPEG', make: () => encode(640, 480, 'jpeg', { progressive: true }), format: 'jpeg' },
    { name: 'lossy WebP', make: () => encode(333, 222, 'webp'), format: 'webp' },
    { name: 'lossless WebP', make: () => encode(123, 45, 'webp', { lossless: true }), format: 'webp' },
    { name: 'WebP with alpha (extended)', make: () => encode(257, 129, 'webp', {}, true), format: 'webp' },
  ])('reads the format and size of a $name', async ({ make, format }) => {
    const data = await make();
    const meta = await sharp(data).metadata();
    expect(readImageHeader(data)).toEqual({ format, width: meta.width, height: meta.height });
  });

  it.each([
    ['empty', new Uint8Array()],
    ['text', new TextEncoder().encode('hello world, not an image')],
    ['gif', new TextEncoder().encode('GIF89a\x01\x00\x01\x00')],
    ['RIFF that is not WebP', new TextEncoder().encode('RIFF\x00\x00\x00\x00WAVEfmt ')],
  ])('refuses %s', (_name, data) => {
    expect(readImageHeader(data)).toBeUndefined();
  });

  it('knows a truncated PNG by its signature but not its size', () => {
    expect(readImageHeader(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toEqual({ format: 'png' });
  });
});
