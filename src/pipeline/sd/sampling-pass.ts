// One denoising pass: scheduler set-up, starting latents (noise, or clean latents noised to the
// strength's first timestep), then one batched UNet call per step. A pass is what txt2img, img2img,
// inpainting and each half of the hires fix have in common; progress is reported on a bar that
// may span several passes.
import { PipelineError } from '../errors.js';
import type { OnnxModel } from '../onnx/onnx-model.js';
import { createScheduler } from '../schedulers/create-scheduler.js';
import type { TextConditioning } from '../text/text-conditioning.js';
import { SIZE_MULTIPLE, type GenerationParams, type GenerationProgress } from '../types.js';
import { buildExtraUnetInputs } from '../unet/unet-extra-inputs.js';
import { LATENT_CHANNELS, UnetRunner } from '../unet/unet-runner.js';
import { CLEAN, MaskedLatentBlend, noiseLevelAt } from './masked-latent-blend.js';
import type { PipelineComponents } from './pipeline-components.js';
import { SeededRng } from './rng.js';

interface PassStart {
  /** Scaled clean latents: one image's [4, h, w] shared by the batch, or the whole batch's. */
  readonly latents: Float32Array;
  /** 1 starts from pure noise (the latents only matter to inpainting), lower keeps more of them. */
  readonly strength: number;
}

export interface PassInpaint {
  /** [h, w] at latent size, 1 repaints. */
  readonly mask: Float32Array;
  /** Scaled init latents of one image, [4, h, w]. */
  readonly initLatent: Float32Array;
  /** Inpainting UNets: [mask, masked-image latents], [5, h, w]; absent for masked img2img on a normal UNet. */
  readonly unetChannels?: Float32Array;
}

interface PassProgress {
  /** Steps already done on the bar before this pass. */
  readonly offset: number;
  /** Length of the whole bar. */
  readonly total: number;
  readonly previewEvery: number;
  readonly onProgress?: (progress: GenerationProgress) => void;
}

export interface SamplingPass {
  /** Prompt, size, steps, sampler, guidance, count and seed of this pass. */
  readonly params: GenerationParams;
  readonly conditioning: TextConditioning;
  readonly start?: PassStart;
  readonly inpaint?: PassInpaint;
  /** The UNet session to run: the base one, or one with the request's LoRAs applied. */
  readonly unet?: OnnxModel;
  readonly progress: PassProgress;
  readonly throwIfCancelled: () => void;
}

const UINT32_RANGE = 0x1_0000_0000;

/** UNet calls a pass makes: diffusers' init_timestep = min(⌊N·strength⌋, N) when it starts from latents. */
export function passSteps(steps: number, strength: number | undefined): number {
  if (strength === undefined || strength >= 1) return steps;
  return Math.min(Math.floor(steps * strength), steps);
}

export function seedsOf(params: GenerationParams): number[] {
  return Array.from({ length: params.count }, (_, i) => (params.seed + i) % UINT32_RANGE);
}

/** Runs the pass; returns the final latents of all N images, [N, 4, h, w]. */
export async function runSamplingPass(components: PipelineComponents, pass: SamplingPass): Promise<Float32Array> {
  const { params, start, inpaint, progress, throwIfCancelled } = pass;
  const latentHeight = params.height / SIZE_MULTIPLE;
  const latentWidth = params.width / SIZE_MULTIPLE;
  const latentSize = LATENT_CHANNELS * latentHeight * latentWidth;
  const isLcm = components.info.kind === 'lcm';

  // One scheduler steps the whole batch (every operation is element-wise); one RNG per image
  // feeds its part of the scheduler's noise, so image i depends only on seed + i.
  const scheduler = createScheduler(params.sampler, components.schedulerConfig);
  const rngs = seedsOf(params).map((seed) => new SeededRng(seed));
  scheduler.setTimesteps(params.numInferenceSteps);
  const fromLatents = start !== undefined && start.strength < 1;
  let beginIndex = 0;
  if (fromLatents) {
    const initTimestep = passSteps(params.numInferenceSteps, start.strength);
    beginIndex = params.numInferenceSteps - initTimestep;
    // A strength too small for even one step denoises nothing: the result is the VAE round trip.
    if (initTimestep > 0) scheduler.setBeginIndex(beginIndex);
  }
  const timesteps = scheduler.timesteps.slice(beginIndex);
  const total = timesteps.length;

  const initialLatents = new Float32Array(params.count * latentSize);
  for (let i = 0; i < params.count; i++) rngs[i]!.fillGaussian(initialLatents.subarray(i * latentSize, (i + 1) * latentSize));
  // Masked img2img re-noises the kept region with the very noise the run started from.
  const blend = inpaint && inpaint.unetChannels === undefined ? new MaskedLatentBlend(inpaint.initLatent, inpaint.mask, initialLatents.slice()) : undefined;
  for (let i = 0; i < params.count; i++) {
    const view = initialLatents.subarray(i * latentSize, (i + 1) * latentSize);
    if (fromLatents) {
      const clean = start.latents.length === latentSize ? start.latents : start.latents.subarray(i * latentSize, (i + 1) * latentSize);
      if (clean.length !== latentSize) throw new PipelineError('invalid_params', `starting latents hold ${start.latents.length} values, expected ${latentSize} per image`);
      view.set(total > 0 ? scheduler.addNoise(clean, view, timesteps[0]!) : clean);
    } else {
      const sigma = scheduler.initNoiseSigma;
      for (let k = 0; k < view.length; k++) view[k]! *= sigma;
    }
  }

  const runner = new UnetRunner(
    pass.unet ?? components.parts.unet,
    components.unetSignature,
    { count: params.count, latentHeight, latentWidth },
    pass.conditioning,
    params.guidanceScale,
    buildExtraUnetInputs(components.parts.unet.file, components.unetSignature, pass.conditioning, params),
    inpaint?.unetChannels,
  );

  // After the first step `latents` is the scheduler's (or the blend's) own buffer, fed straight back in.
  let latents: Float32Array = initialLatents;
  for (let step = 0; step < total; step++) {
    throwIfCancelled();
    const t = timesteps[step]!;
    runner.modelInput.set(scheduler.scaleModelInput(latents, t));
    const noise = await runner.predict(t);
    const isLastStep = step === total - 1;
    const result = scheduler.step(noise, t, latents, rngs);
    // LCM decodes the denoised output of the last step, not the raw latents.
    latents = isLcm && isLastStep ? result.predOriginalSample : result.prevSample;
    if (blend) latents = blend.apply(latents, isLastStep ? CLEAN : noiseLevelAt(scheduler, timesteps[step + 1]!));
    const done = progress.offset + step + 1;
    progress.onProgress?.({ step: done, total: progress.total });
    // The last step's prediction is the result itself, delivered moments later.
    if (progress.previewEvery > 0 && done % progress.previewEvery === 0 && done < progress.total) {
      const preview = await components.previews.render(result.predOriginalSample, params.count, latentHeight, latentWidth);
      throwIfCancelled();
      progress.onProgress?.({ step: done, total: progress.total, preview });
    }
  }
  // No step at all (a tiny strength): the kept region still has to be the init latents.
  if (blend && total === 0) latents = blend.apply(latents, CLEAN);
  return latents;
}
