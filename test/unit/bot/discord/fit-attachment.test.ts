// A result over the upload limit falls back to WebP or JPEG and keeps its parameters in EXIF
// UserComment, read here through sharp's metadata and a piexif-style reader.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitAttachment } from '../../../../src/bot/discord/fit-attachment.js';
import { addPngText } from '../../../../src/pipeline/image/png-text.js';
import { readInfotext } from '../../../fixtures/a1111/infotext.js';
import { readUserComment } from '../../../fixtures/a1111/exif-reader.js';

const PARAMETERS = 'a ghost 👻 at the café, "night"\nNegative prompt: blurry\nSteps: 4, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 1, Seed: 1234, Size: 256x192, Model: "my, model"';

async function noisyPng(): Promise<Uint8Array> {
  const width = 256;
  const height = 192;
  const raw = Buffer.alloc(width * height * 3);
  // A gradient with fine grain, like a photo: PNG stores the grain, lossy formats do not.
  let state = 12345;
  for (let i = 0; i < raw.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    const pixel = Math.floor(i / 3);
    raw[i] = ((pixel % width) + Math.floor(pixel / width) + (state >>> 28)) & 0xff;
  }
  const png = await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return addPngText(png, 'parameters', PARAMETERS);
}

describe('fitAttachment', () => {
  it('sends the PNG untouched when it fits', async () => {
    const png = await noisyPng();
    const fitted = await fitAttachment(png, png.length);
    expect(fitted?.extension).toBe('png');
    expect(Buffer.compare(fitted?.data ?? Buffer.alloc(0), Buffer.from(png))).toBe(0);
  });

  it.each([
    ['WebP', 'webp', 0.9],
    ['JPEG', 'jpg', 0.5],
  ] as const)('falls back to %s with the parameters in EXIF UserComment', async (_, extension, share) => {
    const png = await noisyPng();
    const webpSize = (await sharp(Buffer.from(png)).webp({ quality: 90 }).toBuffer()).length;
    // Room for the WebP (plus its EXIF) in the first case; too little for it in the second.
    expect(webpSize).toBeLessThan(png.length / 2);
    const limit = extension === 'webp' ? webpSize + 4096 : Math.floor(webpSize * share);
    const fitted = await fitAttachment(png, limit);
    expect(fitted?.extension).toBe(extension);
    const metadata = await sharp(fitted?.data).metadata();
    expect(metadata.format).toBe(extension === 'webp' ? 'webp' : 'jpeg');
    expect([metadata.width, metadata.height]).toEqual([256, 192]);
    expect(metadata.exif).toBeDefined();
    const comment = readUserComment(metadata.exif ?? Buffer.alloc(0));
    expect(comment).toBe(PARAMETERS);
    expect(readInfotext(comment ?? '').fields).toMatchObject({ Seed: '1234', Model: 'my, model', 'Schedule type': 'Karras' });
    expect(fitted?.data.length).toBeLessThanOrEqual(limit);
  });
});
