// img2img input: any image sharp reads, resized and centre-cropped to the target size.
import sharp from 'sharp';
import { PipelineError } from '../errors.js';

export interface InitImage {
  /** HWC bytes, what strength 0 returns unchanged. */
  readonly rgb: Uint8Array;
  /** CHW floats in [-1, 1], the VAE encoder's input. */
  readonly chw: Float32Array;
}

export async function loadInitImage(data: Uint8Array, width: number, height: number, maxPixels: number): Promise<InitImage> {
  let rgb: Buffer;
  try {
    // The header alone says how big the image is; check it before decoding anything.
    const meta = await sharp(data, { limitInputPixels: false }).metadata();
    if (meta.width !== undefined && meta.height !== undefined && meta.width * meta.height > maxPixels) {
      throw new PipelineError('invalid_init_image', `the image is ${meta.width}x${meta.height} (${meta.width * meta.height} pixels); the limit is ${maxPixels} pixels`);
    }
    rgb = await sharp(data, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate().resize(width, height, { fit: 'cover', position: 'centre' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(reason)) throw new PipelineError('invalid_init_image', `the image has more than ${maxPixels} pixels, the limit`);
    throw new PipelineError('invalid_init_image', `the attachment is not an image this bot can read (PNG, JPEG, WebP, GIF, AVIF, TIFF): ${reason}`);
  }
  const plane = width * height;
  const chw = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) chw[c * plane + i] = rgb[i * 3 + c]! / 127.5 - 1;
  }
  return { rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), chw };
}
