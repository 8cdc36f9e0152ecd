// What inpainting and outpainting start from, at the output size: the init image (or the
// outpainting canvas), the pixel mask, and from them the latent-size inputs of the sampling pass.
// An inpainting UNet (9 channels) also gets the mask and the VAE encoding of the image with the
// repainted area blanked, as diffusers builds them; a normal UNet gets the masked img2img blend.
import { PipelineError } from '../errors.js';
import { imageSizeOf, initImageOf, loadInitImage, type InitImage } from '../image/init-image.js';
import { downsampleMask, fullMask, loadMask, type PixelMask } from '../image/mask.js';
import { buildOutpaintCanvas } from '../image/outpaint-canvas.js';
import { INPAINT_UNET_CHANNELS } from '../model/model-signature.js';
import { SIZE_MULTIPLE, type GenerationParams } from '../types.js';
import type { VaeEncoder } from '../vae/vae.js';
import type { PassInpaint } from './sampling-pass.js';
import { SeededRng } from './rng.js';

/** A1111's default mask blur for outpainting, whose hard edge would otherwise show. */
export const DEFAULT_OUTPAINT_BLUR = 8;
/** diffusers' threshold for the masked image: pixels with mask ≥ 0.5 are blanked. */
const MASKED_IMAGE_THRESHOLD = 0.5;

export interface EditImage {
  readonly image: InitImage;
  /** What the sampling pass repaints (downsampled to latent size there). */
  readonly mask: PixelMask;
  /** What the final overlay takes from the decoded image; the rest comes from `image` unchanged. */
  readonly overlayMask: PixelMask;
}

/** True when the params ask for the mask-aware path, or the UNet can only work that way. */
export function needsInpaint(params: GenerationParams, unetChannels: number): boolean {
  return params.mask !== undefined || params.outpaint !== undefined || (params.init !== undefined && unetChannels === INPAINT_UNET_CHANNELS);
}

export async function loadEditImage(params: GenerationParams, maxPixels: number): Promise<EditImage> {
  const { width, height } = params;
  const init = params.init;
  if (!init) {
    const what = params.outpaint ? 'outpaint (Zoom Out, Pan) needs an init image: it extends an existing picture' : 'mask needs an init image: inpainting repaints part of an existing picture';
    throw new PipelineError('invalid_params', what);
  }
  if (params.outpaint) {
    const blur = params.mask?.blur ?? DEFAULT_OUTPAINT_BLUR;
    const canvas = await buildOutpaintCanvas(init.data, params.outpaint, width, height, blur, maxPixels);
    return { image: initImageOf(canvas.rgb, width, height), mask: canvas.mask, overlayMask: canvas.overlayMask };
  }
  const image = await loadInitImage(init.data, width, height, maxPixels);
  if (!params.mask) {
    const mask = fullMask(width, height);
    return { image, mask, overlayMask: mask };
  }
  const initSize = await imageSizeOf(init.data);
  const mask = await loadMask(params.mask.source, { width, height, blur: params.mask.blur, maxPixels, ...(initSize ? { initSize } : {}) });
  return { image, mask, overlayMask: mask };
}

export interface InpaintInputs {
  readonly inpaint: PassInpaint;
  /** Scaled latents of the init image (or canvas). */
  readonly initLatent: Float32Array;
}

export async function encodeInpaintInputs(edit: EditImage, params: GenerationParams, encoder: VaeEncoder, unetChannels: number): Promise<InpaintInputs> {
  const { width, height, seed } = params;
  const initLatent = await encoder.encode(edit.image.chw, height, width, new SeededRng(seed));
  const mask = downsampleMask(edit.mask, SIZE_MULTIPLE);
  if (unetChannels !== INPAINT_UNET_CHANNELS) return { initLatent, inpaint: { mask, initLatent } };
  const masked = edit.image.chw.slice();
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    if (edit.mask.data[i]! >= MASKED_IMAGE_THRESHOLD) for (let c = 0; c < 3; c++) masked[c * plane + i] = 0;
  }
  const maskedLatent = await encoder.encode(masked, height, width, new SeededRng(seed));
  const unetChannelData = new Float32Array(mask.length + maskedLatent.length);
  unetChannelData.set(mask);
  unetChannelData.set(maskedLatent, mask.length);
  return { initLatent, inpaint: { mask, initLatent, unetChannels: unetChannelData } };
}
