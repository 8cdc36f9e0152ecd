// The Stable Diffusion pipeline: prompt → text conditioning → denoising loop → decode → safety
// check → PNG. It adapts to what the model folder actually holds (see model-signature.ts), covers
// SD1/SD2, SDXL (two text encoders, text_embeds and time_ids), Turbo and LCM, and is proven on
// oracle models whose right answer is known in closed form.
import { schedulerJsonFor } from './distilled-schedule.js';
import { PipelineError } from '../errors.js';
import { A1111_SAMPLERS } from '../image/a1111-parameters.js';
import { encodePng, vaeSampleToRgb } from '../image/encode-image.js';
import { loadInitImage } from '../image/init-image.js';
import { join } from 'node:path';
import { readModelFolder } from '../model/model-folder.js';
import { OnnxModel, type RunStats } from '../onnx/onnx-model.js';
import { LoraSessions, type LoraActivation } from '../lora/lora-sessions.js';
import { assembleComponents, type PipelineComponents, type PipelineInfo } from './pipeline-components.js';
import { openPipelineParts, releaseParts, type PipelineParts } from './pipeline-parts.js';
import { SeededRng } from './rng.js';
import type { RgbImage } from '../vae/safety-checker.js';
import { createScheduler, parseSchedulerConfig } from '../schedulers/create-scheduler.js';
import { ClipTokenizer } from '../text/tokenizer/clip-tokenizer.js';
import {
  SAMPLER_NAMES,
  SIZE_MULTIPLE,
  type ExecutionProviderName,
  type GenerateOptions,
  type GeneratedImage,
  type GenerationParams,
  type GenerationResult,
} from '../types.js';
import { buildExtraUnetInputs } from '../unet/unet-extra-inputs.js';
import { LATENT_CHANNELS, UnetRunner } from '../unet/unet-runner.js';
import { validateGenerationParams } from './validate-params.js';

export interface PipelineOptions {
  readonly provider: ExecutionProviderName;
  /** Fall back to cpu when the requested provider cannot start. */
  readonly allowCpuFallback: boolean;
  /** Intra-op threads; undefined lets onnxruntime decide. */
  readonly threads?: number;
  /** A preview PNG every this many steps; 0 turns previews off. */
  readonly previewEvery: number;
  /** Run the folder's safety checker when it has one. */
  readonly safetyChecker: boolean;
  /** Folder with taesd_decoder.onnx (SD1/SD2) / taesdxl_decoder.onnx (SDXL), used for previews. */
  readonly taesdDir?: string;
  /** Also decode the final images with TAESD instead of the full VAE: much faster on CPU, a little softer. Needs `taesdDir`. */
  readonly fastDecode?: boolean;
  /** Largest init image accepted, in pixels (sharp limitInputPixels). */
  readonly maxInitPixels?: number;
  /** Folder of `NAME.safetensors` LoRAs; without it, requests with LoRAs are refused. */
  readonly loraDir?: string;
  /** Where LoRA-patched copies of model parts are kept (least recently used out beyond `loraCacheMaxBytes`). */
  readonly loraCacheDir?: string;
  readonly loraCacheMaxBytes?: number;
  /** Told once when the requested provider could not start and cpu is used instead. */
  readonly onWarning?: (message: string) => void;
}

export type { PipelineInfo };

export type PipelineRunStats = Record<keyof PipelineParts, RunStats | undefined>;

const DEFAULT_MAX_INIT_PIXELS = 4096 * 4096;
/** Patched copies go here when no cache folder is given. */
const LORA_CACHE_FOLDER = '.lora-cache';
const UINT32_RANGE = 0x1_0000_0000;

export class StableDiffusionPipeline {
  readonly info: PipelineInfo;
  private readonly loras: LoraSessions | undefined;

  private constructor(
    private readonly components: PipelineComponents,
    private readonly options: PipelineOptions,
  ) {
    this.info = components.info;
    const { loraDir } = options;
    this.loras = loraDir === undefined ? undefined : new LoraSessions(
      { unet: components.parts.unet, textEncoder: components.parts.textEncoder, textEncoder2: components.parts.textEncoder2 },
      {
        loraDir,
        cacheDir: options.loraCacheDir ?? join(loraDir, LORA_CACHE_FOLDER),
        ...(options.loraCacheMaxBytes === undefined ? {} : { cacheMaxBytes: options.loraCacheMaxBytes }),
        modelName: components.info.name,
        modelKind: components.info.kind,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        load: (file) => OnnxModel.load(file, { provider: components.info.provider, ...(options.threads === undefined ? {} : { threads: options.threads }) }),
      },
    );
  }

  static async load(modelDir: string, name: string, options: PipelineOptions): Promise<StableDiffusionPipeline> {
    if (options.fastDecode === true && options.taesdDir === undefined) {
      throw new PipelineError('invalid_params', 'fastDecode needs taesdDir: a folder with taesd_decoder.onnx / taesdxl_decoder.onnx');
    }
    const folder = await readModelFolder(modelDir);
    const schedulerConfig = parseSchedulerConfig(schedulerJsonFor(folder), folder.schedulerConfigFile);
    const tokenizers = await Promise.all([folder.tokenizerDir, folder.tokenizer2Dir].filter((dir) => dir !== undefined).map((dir) => ClipTokenizer.fromFolder(dir)));
    const { parts, provider } = await openPipelineParts(folder, options);
    try {
      return new StableDiffusionPipeline(assembleComponents({ folder, parts, provider, tokenizers, schedulerConfig, name }), options);
    } catch (error) {
      await releaseParts(parts);
      throw error;
    }
  }

  /** Raw session.run time per part, for benchmarks. */
  runStats(): PipelineRunStats {
    const stats = {} as Record<keyof PipelineParts, RunStats | undefined>;
    for (const [key, model] of Object.entries(this.components.parts) as Array<[keyof PipelineParts, PipelineParts[keyof PipelineParts]]>) {
      stats[key] = model ? { ...model.stats } : undefined;
    }
    return stats;
  }

  async generate(params: GenerationParams, options: GenerateOptions = {}): Promise<GenerationResult> {
    validateGenerationParams(params, SAMPLER_NAMES);
    this.components.conditioner.layersFor(params.clipSkip); // a clip-skip this model cannot do fails before any work
    const started = performance.now();
    const { signal, onProgress } = options;
    const throwIfCancelled = (): void => {
      if (signal?.aborted) throw new PipelineError('cancelled', 'generation cancelled');
    };
    throwIfCancelled();

    const latentHeight = params.height / SIZE_MULTIPLE;
    const latentWidth = params.width / SIZE_MULTIPLE;
    const latentSize = LATENT_CHANNELS * latentHeight * latentWidth;
    const seeds = Array.from({ length: params.count }, (_, i) => (params.seed + i) % UINT32_RANGE);

    const init = params.init && params.init.strength < 1 ? await this.prepareInit(params) : undefined;
    if (init && params.init!.strength === 0) return this.returnInitImage(params, seeds, init.rgb, started);

    const lora = await this.activateLoras(params, onProgress);
    throwIfCancelled();
    const conditioner = this.components.conditioner.withModels([lora.models.textEncoder, lora.models.textEncoder2].filter((model) => model !== undefined));
    const isLcm = this.info.kind === 'lcm';
    const guided = !isLcm && params.guidanceScale > 1;
    const textStarted = performance.now();
    const conditioning = await conditioner.encode(params.prompt, params.negativePrompt, guided, params.clipSkip);
    const textEncodeMs = performance.now() - textStarted;
    throwIfCancelled();

    // One scheduler steps the whole batch (every operation is element-wise); one RNG per image
    // feeds its part of the scheduler's noise, so image i depends only on seed + i.
    const scheduler = createScheduler(params.sampler, this.components.schedulerConfig);
    const rngs = seeds.map((seed) => new SeededRng(seed));
    scheduler.setTimesteps(params.numInferenceSteps);
    let beginIndex = 0;
    if (init) {
      const initTimestep = Math.min(Math.floor(params.numInferenceSteps * params.init!.strength), params.numInferenceSteps);
      beginIndex = params.numInferenceSteps - initTimestep;
      // A strength too small for even one step denoises nothing: the result is the VAE round trip.
      if (initTimestep > 0) scheduler.setBeginIndex(beginIndex);
    }
    const timesteps = scheduler.timesteps.slice(beginIndex);
    const total = timesteps.length;

    const initialLatents = new Float32Array(params.count * latentSize);
    for (let i = 0; i < params.count; i++) {
      const view = initialLatents.subarray(i * latentSize, (i + 1) * latentSize);
      rngs[i]!.fillGaussian(view);
      if (init) {
        view.set(total > 0 ? scheduler.addNoise(init.latent, view, timesteps[0]!) : init.latent);
      } else {
        const sigma = scheduler.initNoiseSigma;
        for (let k = 0; k < view.length; k++) view[k]! *= sigma;
      }
    }

    const runner = new UnetRunner(
      lora.models.unet,
      this.components.unetSignature,
      { count: params.count, latentHeight, latentWidth },
      conditioning,
      params.guidanceScale,
      buildExtraUnetInputs(this.components.parts.unet.file, this.components.unetSignature, conditioning, params),
    );
    const previewEvery = options.previewEvery ?? this.options.previewEvery;

    // After the first step `latents` is the scheduler's own output buffer, fed straight back in.
    let latents: Float32Array = initialLatents;
    const denoiseStarted = performance.now();
    for (let step = 0; step < total; step++) {
      throwIfCancelled();
      const t = timesteps[step]!;
      runner.modelInput.set(scheduler.scaleModelInput(latents, t));
      const noise = await runner.predict(t);
      const isLastStep = step === total - 1;
      const result = scheduler.step(noise, t, latents, rngs);
      // LCM decodes the denoised output of the last step, not the raw latents.
      latents = isLcm && isLastStep ? result.predOriginalSample : result.prevSample;
      onProgress?.({ step: step + 1, total });
      // The last step's prediction is the result itself, delivered moments later.
      if (previewEvery > 0 && (step + 1) % previewEvery === 0 && !isLastStep) {
        const preview = await this.components.previews.render(result.predOriginalSample, params.count, latentHeight, latentWidth);
        throwIfCancelled();
        onProgress?.({ step: step + 1, total, preview });
      }
    }
    const denoiseMs = performance.now() - denoiseStarted;
    throwIfCancelled();

    const decodeStarted = performance.now();
    const decoded = await this.decodeImages(latents, params.count, latentHeight, latentWidth, throwIfCancelled);
    const decodeMs = performance.now() - decodeStarted;
    const images = await this.finish(params, seeds, decoded, lora.loras);
    return {
      images,
      model: this.info.name,
      ...(lora.loras.length > 0 ? { loras: lora.loras } : {}),
      truncatedWords: conditioning.truncatedWords,
      timings: {
        totalMs: performance.now() - started,
        textEncodeMs,
        denoiseMs,
        decodeMs,
        msPerStep: total > 0 ? denoiseMs / total : 0,
      },
    };
  }

  /** Full VAE one image at a time (flat peak memory), or TAESD for the whole batch in fast mode. */
  private async decodeImages(latents: Float32Array, count: number, latentHeight: number, latentWidth: number, throwIfCancelled: () => void): Promise<RgbImage[]> {
    if (this.options.fastDecode === true && this.components.taesd) {
      const decoded = await this.components.taesd.decode(latents, count, latentHeight, latentWidth);
      return decoded.images.map((rgb) => ({ rgb, width: decoded.width, height: decoded.height }));
    }
    const latentSize = LATENT_CHANNELS * latentHeight * latentWidth;
    const images: RgbImage[] = [];
    for (let i = 0; i < count; i++) {
      throwIfCancelled();
      const decoded = await this.components.decoder.decode(latents.subarray(i * latentSize, (i + 1) * latentSize), latentHeight, latentWidth);
      images.push({ rgb: vaeSampleToRgb(decoded.sample, decoded.height, decoded.width), width: decoded.width, height: decoded.height });
    }
    return images;
  }

  /** Sessions with the request's LoRAs applied (the base ones when it has none). */
  private async activateLoras(params: GenerationParams, onProgress: GenerateOptions['onProgress']): Promise<LoraActivation> {
    const requested = params.loras ?? [];
    const base = { models: { unet: this.components.parts.unet, textEncoder: this.components.parts.textEncoder, textEncoder2: this.components.parts.textEncoder2 }, loras: [] };
    if (requested.length === 0) return base;
    if (this.loras === undefined) throw new PipelineError('invalid_params', `model "${this.info.name}" was loaded without a LoRA folder, so it cannot apply LoRAs`);
    return this.loras.activate(requested, () => onProgress?.({ step: 0, total: params.numInferenceSteps, phase: 'applying_lora' }));
  }

  /** Safety check, then PNGs with parameters. */
  private async finish(params: GenerationParams, seeds: readonly number[], images: readonly RgbImage[], loras: LoraActivation['loras'] = []): Promise<GeneratedImage[]> {
    const flags = this.components.safetyChecker ? await this.components.safetyChecker.check(images) : images.map(() => false);
    return Promise.all(images.map((image, i) => this.toImage(params, seeds[i]!, image, flags[i] ?? false, loras)));
  }

  private async prepareInit(params: GenerationParams): Promise<{ rgb: Uint8Array; latent: Float32Array }> {
    const image = await loadInitImage(params.init!.data, params.width, params.height, this.options.maxInitPixels ?? DEFAULT_MAX_INIT_PIXELS);
    if (params.init!.strength === 0) return { rgb: image.rgb, latent: new Float32Array(0) };
    if (!this.components.encoder) {
      throw new PipelineError('invalid_params', `model "${this.info.name}" has no vae_encoder, so it cannot start from an image; re-export it with the VAE encoder`);
    }
    return { rgb: image.rgb, latent: await this.components.encoder.encode(image.chw, params.height, params.width, new SeededRng(params.seed)) };
  }

  private async returnInitImage(params: GenerationParams, seeds: readonly number[], rgb: Uint8Array, started: number): Promise<GenerationResult> {
    const images = await this.finish(params, seeds, seeds.map(() => ({ rgb, width: params.width, height: params.height })));
    const totalMs = performance.now() - started;
    return { images, model: this.info.name, truncatedWords: [], timings: { totalMs, textEncodeMs: 0, denoiseMs: 0, decodeMs: 0, msPerStep: 0 } };
  }

  private async toImage(params: GenerationParams, seed: number, image: RgbImage, nsfw: boolean, loras: LoraActivation['loras'] = []): Promise<GeneratedImage> {
    const { width, height } = image;
    const png = await encodePng(image.rgb, width, height, {
      prompt: params.prompt,
      negativePrompt: params.negativePrompt,
      steps: params.numInferenceSteps,
      ...A1111_SAMPLERS[params.sampler],
      cfgScale: params.guidanceScale,
      seed,
      width,
      height,
      model: this.info.name,
      ...(params.clipSkip !== undefined ? { clipSkip: params.clipSkip } : {}),
      ...(params.init !== undefined && params.init.strength < 1 ? { denoisingStrength: params.init.strength } : {}),
      ...(loras.length > 0 ? { loras } : {}),
    });
    return { png, seed, width, height, nsfw };
  }

  async release(): Promise<void> {
    await this.loras?.release();
    await releaseParts(this.components.parts);
  }
}
