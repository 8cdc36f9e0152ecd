// img2img input: any image sharp reads, resized and centre-cropped to the target size. Problems
// are reported as `invalid_init_image` with a message a person can act on (it reaches chat users).
import sharp from 'sharp';
import { PipelineError } from '../errors.js';

export interface InitImage {
  /** HWC bytes, what strength 0 returns unchanged. */
  readonly rgb: Uint8Array;
  /** CHW floats in [-1, 1], the VAE encoder's input. */
  readonly chw: Float32Array;
}

const READABLE_FORMATS = 'PNG, JPEG, WebP, GIF, AVIF or TIFF';
const MEGAPIXEL = 1_000_000;
/** Below this, counts read better as plain pixels. */
const SHOW_MEGAPIXELS_FROM = 100_000;

function pixelCount(pixels: number): string {
  return pixels >= SHOW_MEGAPIXELS_FROM ? `${(pixels / MEGAPIXEL).toFixed(1)} megapixels` : `${pixels} pixels`;
}

function tooLarge(width: number | undefined, height: number | undefined, maxPixels: number): PipelineError {
  const size = width !== undefined && height !== undefined ? `${width}x${height} (${pixelCount(width * height)})` : 'too large';
  return new PipelineError('invalid_init_image', `the init image is ${size}; the limit is ${pixelCount(maxPixels)}, so send a smaller one`);
}

/** sharp's message → what went wrong, in words for the person who sent the image. */
function unreadable(reason: string): PipelineError {
  if (/empty/i.test(reason)) return new PipelineError('invalid_init_image', 'the init image is empty (0 bytes)');
  if (/unsupported image format/i.test(reason)) {
    return new PipelineError('invalid_init_image', `the init image is not a picture that can be read; send a ${READABLE_FORMATS} file`);
  }
  return new PipelineError('invalid_init_image', `the init image looks damaged or cut short and cannot be read; send it again or as another ${READABLE_FORMATS} file`);
}

export async function loadInitImage(data: Uint8Array, width: number, height: number, maxPixels: number): Promise<InitImage> {
  let rgb: Buffer;
  try {
    // The header alone says how big the image is; check it before decoding anything.
    const meta = await sharp(data, { limitInputPixels: false }).metadata();
    if (meta.width !== undefined && meta.height !== undefined && meta.width * meta.height > maxPixels) throw tooLarge(meta.width, meta.height, maxPixels);
    rgb = await sharp(data, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize(width, height, { fit: 'cover', position: 'centre' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer();
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(reason)) throw tooLarge(undefined, undefined, maxPixels);
    throw unreadable(reason);
  }
  return initImageOf(new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), width, height);
}

/** HWC bytes at the target size → the VAE encoder's CHW floats beside them. */
export function initImageOf(rgb: Uint8Array, width: number, height: number): InitImage {
  const plane = width * height;
  const chw = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) chw[c * plane + i] = rgb[i * 3 + c]! / 127.5 - 1;
  }
  return { rgb, chw };
}

/** Width and height from the header, when it can be read. */
export async function imageSizeOf(data: Uint8Array): Promise<{ width: number; height: number } | undefined> {
  try {
    const { width, height, orientation } = await sharp(data, { limitInputPixels: false }).metadata();
    if (width === undefined || height === undefined) return undefined;
    // EXIF orientations 5–8 turn the picture a quarter, as `rotate()` will.
    return orientation !== undefined && orientation >= 5 ? { width: height, height: width } : { width, height };
  } catch {
    return undefined;
  }
}
