// U1–U4 and upscale-only jobs with an upscaler model: the init image is first enlarged by the
// model (tiled), so the resize to the target size that follows works from real detail rather
// than from Lanczos. An image already as large as the target is left alone.
import sharp, { type OutputInfo } from 'sharp';
import { PipelineError } from '../errors.js';
import type { OnnxUpscaler } from './onnx-upscaler.js';

/** Uncompressed PNG: this image is read again at once and never stored. */
const FAST_PNG = { compressionLevel: 0 } as const;

export async function upscaleInitImage(data: Uint8Array, upscaler: OnnxUpscaler, targetWidth: number, targetHeight: number, maxPixels: number): Promise<Uint8Array> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(data, { limitInputPixels: maxPixels, failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch {
    throw new PipelineError('invalid_init_image', 'the image to upscale cannot be read; send a PNG, JPEG or WebP file');
  }
  const { width, height } = decoded.info;
  if (width >= targetWidth && height >= targetHeight) return data;
  const rgb = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
  const up = await upscaler.upscale(rgb, width, height);
  return sharp(up.rgb, { raw: { width: up.width, height: up.height, channels: 3 } }).png(FAST_PNG).toBuffer();
}
