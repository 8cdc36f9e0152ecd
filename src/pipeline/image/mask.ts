// Inpainting masks at the output size: white (1) repaints, black (0) keeps. An uploaded mask is
// fitted exactly like the init image (cover, centred) so the two stay aligned; a region is drawn.
// "Mask blur" softens the edge with a Gaussian of that many pixels, as A1111 does.
import sharp, { type Metadata } from 'sharp';
import { PipelineError } from '../errors.js';
import type { MaskRegion, MaskSource } from '../types.js';

/** [height × width] values in [0, 1]. */
export interface PixelMask {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** How far the mask's aspect ratio may differ from the init image's before the two no longer line up. */
const ASPECT_TOLERANCE = 0.02;
const BYTE_MAX = 255;
/** sharp's smallest Gaussian sigma. */
const MIN_BLUR_SIGMA = 0.3;
/** The centre region spans the middle half; the border is the outer eighth on each side. */
const CENTRE_INSET = 1 / 4;
const BORDER_WIDTH = 1 / 8;

export interface MaskTarget {
  readonly width: number;
  readonly height: number;
  readonly blur: number;
  /** Size of the image the mask must line up with, before fitting; undefined skips the check. */
  readonly initSize?: { readonly width: number; readonly height: number };
  readonly maxPixels: number;
}

export async function loadMask(source: MaskSource, target: MaskTarget): Promise<PixelMask> {
  const bytes = source.kind === 'region' ? drawRegion(source.region, target.width, target.height) : await readMaskImage(source.data, target);
  return maskFromBytes(bytes, target.width, target.height, target.blur);
}

/** An 8-bit mask, blurred by `blur` pixels, as values in [0, 1]. */
export async function maskFromBytes(bytes: Uint8Array, width: number, height: number, blur: number): Promise<PixelMask> {
  return { data: await blurToFloats(bytes, width, height, blur), width, height };
}

/** 8-bit mask of a named region at width × height. */
export function drawRegion(region: MaskRegion, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const inside = regionTest(region, width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (inside(x, y)) out[y * width + x] = BYTE_MAX;
  }
  return out;
}

function regionTest(region: MaskRegion, width: number, height: number): (x: number, y: number) => boolean {
  const [halfW, halfH] = [width / 2, height / 2];
  const within = (x: number, y: number, insetX: number, insetY: number): boolean => x >= insetX && x < width - insetX && y >= insetY && y < height - insetY;
  switch (region) {
    case 'left':
      return (x) => x < halfW;
    case 'right':
      return (x) => x >= halfW;
    case 'top':
      return (_x, y) => y < halfH;
    case 'bottom':
      return (_x, y) => y >= halfH;
    case 'centre':
      return (x, y) => within(x, y, Math.round(width * CENTRE_INSET), Math.round(height * CENTRE_INSET));
    case 'border':
      return (x, y) => !within(x, y, Math.round(width * BORDER_WIDTH), Math.round(height * BORDER_WIDTH));
  }
}

async function readMaskImage(data: Uint8Array, target: MaskTarget): Promise<Uint8Array> {
  let meta: Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new PipelineError('invalid_init_image', 'the mask is not a picture that can be read; send a PNG, JPEG or WebP image, white where to repaint and black where to keep');
  }
  const { width, height } = meta;
  if (width === undefined || height === undefined) throw new PipelineError('invalid_init_image', 'the mask has no size that can be read; send it again as a PNG');
  if (width * height > target.maxPixels) {
    throw new PipelineError('invalid_init_image', `the mask is ${width}x${height}, larger than the ${target.maxPixels} pixels allowed; send a smaller one`);
  }
  const init = target.initSize;
  if (init !== undefined && Math.abs(width / height / (init.width / init.height) - 1) > ASPECT_TOLERANCE) {
    throw new PipelineError(
      'invalid_init_image',
      `the mask is ${width}x${height} but the init image is ${init.width}x${init.height}; the mask must have the init image's shape (the same size, or the same aspect ratio) so the two line up`,
    );
  }
  try {
    const grey = await sharp(data, { limitInputPixels: target.maxPixels, failOn: 'error' })
      .rotate()
      // A transparent area is "no paint": flatten onto black (keep) before reading grey values.
      .flatten({ background: '#000000' })
      .resize(target.width, target.height, { fit: 'cover', position: 'centre' })
      .greyscale()
      .extractChannel(0)
      .raw()
      .toBuffer();
    return new Uint8Array(grey.buffer, grey.byteOffset, grey.byteLength);
  } catch {
    throw new PipelineError('invalid_init_image', 'the mask looks damaged or cut short and cannot be read; send it again as a PNG');
  }
}

async function blurToFloats(bytes: Uint8Array, width: number, height: number, blur: number): Promise<Float32Array> {
  let source = bytes;
  if (blur > 0) {
    const blurred = await sharp(bytes, { raw: { width, height, channels: 1 } })
      .blur(Math.max(blur, MIN_BLUR_SIGMA))
      .extractChannel(0)
      .raw()
      .toBuffer();
    source = new Uint8Array(blurred.buffer, blurred.byteOffset, blurred.byteLength);
  }
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = source[i]! / BYTE_MAX;
  return out;
}

/** The mask at latent resolution: the mean of each factor × factor block. */
export function downsampleMask(mask: PixelMask, factor: number): Float32Array {
  const [latentWidth, latentHeight] = [mask.width / factor, mask.height / factor];
  const out = new Float32Array(latentWidth * latentHeight);
  const area = factor * factor;
  for (let ly = 0; ly < latentHeight; ly++) {
    for (let lx = 0; lx < latentWidth; lx++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (ly * factor + dy) * mask.width + lx * factor;
        for (let dx = 0; dx < factor; dx++) sum += mask.data[row + dx]!;
      }
      out[ly * latentWidth + lx] = sum / area;
    }
  }
  return out;
}

/** An all-repaint mask, for an inpainting model asked to work without one. */
export function fullMask(width: number, height: number): PixelMask {
  return { data: new Float32Array(width * height).fill(1), width, height };
}
