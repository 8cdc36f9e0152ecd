// Upscale without the model: a plain Lanczos 2× resize. sharp works off the event loop.
import sharp from 'sharp';
import type { GenerationResult } from '../../pipeline/types.js';
import type { JobWork } from './ports/job-queue.js';

type ResizeWork = Extract<JobWork, { kind: 'resize' }>;

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

/** Runs the plain resize of a queued Upscale as if it were a model's job, so it waits its turn like one. */
export async function runResize(work: ResizeWork, maxInputPixels?: number): Promise<GenerationResult> {
  const started = performance.now();
  const resized = await lanczosUpscale(work.image, maxInputPixels);
  return {
    images: [{ ...resized, seed: work.seed, nsfw: work.nsfw }],
    model: work.model,
    truncatedWords: [],
    timings: { totalMs: performance.now() - started, textEncodeMs: 0, denoiseMs: 0, decodeMs: 0, msPerStep: 0 },
  };
}
