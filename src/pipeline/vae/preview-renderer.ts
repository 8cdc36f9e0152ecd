// Turns the scheduler's predicted x0 into a small preview PNG. Without TAESD it is the latent→RGB
// linear map (almost free); with TAESD the latents are first box-shrunk so the decoded preview is
// at most 256 px on its long side, which keeps the decoder's cost a small fraction of a UNet step.
import { latentPreviewPng, PREVIEW_MAX_SIDE, type LatentFamily } from '../image/latent-preview.js';
import { tileImages } from '../image/tile-images.js';
import { encodeRgbPng, shrinkRgb } from '../image/tiny-png.js';
import type { TaesdDecoder } from './taesd-decoder.js';
import { LATENT_CHANNELS } from '../unet/unet-runner.js';

/** Pixels per latent in both directions (SD and SDXL VAEs alike). */
const VAE_SCALE = 8;

export interface PreviewRenderer {
  /** `latents` is [count, 4, h, w], scaled as the UNet sees them. */
  render(latents: Float32Array, count: number, latentHeight: number, latentWidth: number): Promise<Uint8Array>;
}

export function latentPreviewRenderer(family: LatentFamily): PreviewRenderer {
  return {
    render: async (latents, count, latentHeight, latentWidth) => latentPreviewPng(latents, count, latentHeight, latentWidth, family),
  };
}

export function taesdPreviewRenderer(decoder: TaesdDecoder): PreviewRenderer {
  return {
    async render(latents, count, latentHeight, latentWidth) {
      const small = shrinkLatents(latents, count, latentHeight, latentWidth, PREVIEW_MAX_SIDE / VAE_SCALE);
      const decoded = await decoder.decode(small.latents, count, small.height, small.width);
      const grid = tileImages(decoded.images, decoded.width, decoded.height);
      const preview = shrinkRgb(grid.rgb, grid.width, grid.height, PREVIEW_MAX_SIDE);
      return encodeRgbPng(preview.rgb, preview.width, preview.height);
    },
  };
}

/** Box-averages [count, 4, h, w] by the smallest integer factor that brings the long side to ≤ maxSide. */
export function shrinkLatents(
  latents: Float32Array,
  count: number,
  height: number,
  width: number,
  maxSide: number,
): { latents: Float32Array; height: number; width: number } {
  const factor = Math.ceil(Math.max(height, width) / maxSide);
  if (factor <= 1) return { latents, height, width };
  const outHeight = Math.max(1, Math.floor(height / factor));
  const outWidth = Math.max(1, Math.floor(width / factor));
  const out = new Float32Array(count * LATENT_CHANNELS * outHeight * outWidth);
  const area = factor * factor;
  for (let plane = 0; plane < count * LATENT_CHANNELS; plane++) {
    const from = plane * height * width;
    const to = plane * outHeight * outWidth;
    for (let y = 0; y < outHeight; y++) {
      for (let x = 0; x < outWidth; x++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = from + Math.min(y * factor + dy, height - 1) * width;
          for (let dx = 0; dx < factor; dx++) sum += latents[row + Math.min(x * factor + dx, width - 1)]!;
        }
        out[to + y * outWidth + x] = sum / area;
      }
    }
  }
  return { latents: out, height: outHeight, width: outWidth };
}
