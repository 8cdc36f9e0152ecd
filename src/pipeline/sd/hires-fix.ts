// A1111's hires fix: the first pass at the requested size, then the result upscaled by `scale`
// and refined by an img2img pass of strength `denoise`. The upscale is either of the latents
// themselves ("latent", bilinear) or of the decoded image (Lanczos or an upscaler model), which
// is then encoded again.
import sharp from 'sharp';
import { PipelineError } from '../errors.js';
import { initImageOf } from '../image/init-image.js';
import { HIRES_LATENT, MAX_HIRES_SCALE, MIN_HIRES_SCALE, SIZE_MULTIPLE, type GenerationParams, type HiresFix } from '../types.js';
import type { OnnxUpscaler } from '../upscale/onnx-upscaler.js';
import { LATENT_CHANNELS } from '../unet/unet-runner.js';
import type { RgbImage } from '../vae/safety-checker.js';
import { resizeLatents } from './latent-resize.js';
import { MAX_SIDE } from './validate-params.js';
import { passSteps } from './sampling-pass.js';


export interface HiresPlan {
  readonly hires: HiresFix;
  /** The second pass: the final size, its own steps. */
  readonly second: GenerationParams;
  readonly firstSteps: number;
  readonly secondSteps: number;
}

/** Final size: scale × the first pass's, on the 8-pixel grid. */
export function hiresSize(width: number, height: number, scale: number): { width: number; height: number } {
  const snap = (value: number): number => Math.max(SIZE_MULTIPLE, Math.round((value * scale) / SIZE_MULTIPLE) * SIZE_MULTIPLE);
  return { width: snap(width), height: snap(height) };
}

export function planHires(params: GenerationParams, hires: HiresFix, firstSteps: number): HiresPlan {
  const size = hiresSize(params.width, params.height, hires.scale);
  const steps = hires.steps ?? params.numInferenceSteps;
  const { hires: _dropped, init: _init, mask: _mask, outpaint: _outpaint, ...rest } = params;
  const second: GenerationParams = { ...rest, ...size, numInferenceSteps: steps };
  return { hires, second, firstSteps, secondSteps: passSteps(steps, hires.denoise) };
}

export function validateHires(hires: HiresFix, params: GenerationParams): void {
  if (params.init !== undefined) throw new PipelineError('invalid_params', 'hires works on text-to-image only; leave out the init image, or upscale the result instead');
  if (!(hires.scale >= MIN_HIRES_SCALE && hires.scale <= MAX_HIRES_SCALE)) {
    throw new PipelineError('invalid_params', `hires must be a scale from ${MIN_HIRES_SCALE} to ${MAX_HIRES_SCALE}, got ${hires.scale}`);
  }
  if (!(hires.denoise >= 0 && hires.denoise <= 1)) throw new PipelineError('invalid_params', `hires-denoise must be a number from 0 to 1, got ${hires.denoise}`);
  const final = hiresSize(params.width, params.height, hires.scale);
  if (Math.max(final.width, final.height) > MAX_SIDE) {
    throw new PipelineError('invalid_params', `hires ${hires.scale} would make a ${final.width}x${final.height} image; sides may be at most ${MAX_SIDE}, so use a smaller scale or size`);
  }
}

export interface ImageUpscaleParts {
  /** Decodes image i of the first pass. */
  decode(index: number): Promise<RgbImage>;
  /** Encodes one image [3, H, W] in [-1, 1] to scaled latents. */
  encode(chw: Float32Array, width: number, height: number): Promise<Float32Array>;
  /** The named upscaler model; undefined for Lanczos. */
  readonly model: OnnxUpscaler | undefined;
}

/** Latents of the first pass → clean latents of the batch at the final size. */
export async function upscaleLatentsForSecondPass(latents: Float32Array, plan: HiresPlan, first: GenerationParams, parts: ImageUpscaleParts | undefined): Promise<Float32Array> {
  const { second } = plan;
  const [h, w, H, W] = [first.height / SIZE_MULTIPLE, first.width / SIZE_MULTIPLE, second.height / SIZE_MULTIPLE, second.width / SIZE_MULTIPLE];
  if (plan.hires.upscaler === HIRES_LATENT || parts === undefined) return resizeLatents(latents, first.count, LATENT_CHANNELS, h, w, H, W);
  const { decode, encode, model } = parts;
  const out = new Float32Array(first.count * LATENT_CHANNELS * H * W);
  for (let i = 0; i < first.count; i++) {
    const image = await decode(i);
    const rgb = model ? (await model.upscaleTo(image.rgb, image.width, image.height, second.width, second.height)).rgb : await lanczos(image, second.width, second.height);
    out.set(await encode(initImageOf(rgb, second.width, second.height).chw, second.width, second.height), i * LATENT_CHANNELS * H * W);
  }
  return out;
}

async function lanczos(image: RgbImage, width: number, height: number): Promise<Uint8Array> {
  const resized = await sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength);
}
