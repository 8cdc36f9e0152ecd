// Upscale without the model: a plain Lanczos 2× resize. sharp works off the event loop.
import sharp from 'sharp';

export const RESIZE_FACTOR = 2;

export interface ResizedImage {
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export async function lanczosUpscale(image: Uint8Array, maxInputPixels?: number): Promise<ResizedImage> {
  const source = sharp(image, maxInputPixels === undefined ? {} : { limitInputPixels: maxInputPixels });
  const { width, height } = await source.metadata();
  if (width === undefined || height === undefined) throw new Error('the image has no size');
  const target = { width: width * RESIZE_FACTOR, height: height * RESIZE_FACTOR };
  const png = await source.resize({ ...target, kernel: 'lanczos3' }).png().toBuffer();
  return { png, ...target };
}
