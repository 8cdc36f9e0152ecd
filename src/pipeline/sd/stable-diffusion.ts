// The Stable Diffusion pipeline. It adapts to what the model folder actually holds (see
// model-signature.ts), covers SD1/SD2, SDXL (two text encoders, text_embeds and time_ids), Turbo
// and LCM, and is proven on oracle models whose right answer is known in closed form.
// The recipe, in the order generate() runs it:
//   1. validate the request;
//   2. load and encode the start: init image (img2img), or image and mask (inpainting), or the
//      larger canvas (Zoom Out, Pan);
//   3. text conditioning, with the request's LoRAs applied;
//   4. the denoising loop (masked: the kept area is held to the init latents), then the hires
//      fix's second pass when asked;
//   5. VAE decode;
//   6. inpainting and outpainting only: overlay the decoded image on the original through the
//      full-size mask, so the kept area is the user's own pixels, not their VAE round trip;
//   7. safety check of the final images;
//   8. PNGs with the A1111 parameters.
import { schedulerJsonFor } from './distilled-schedule.js';
import { PipelineError } from '../errors.js';
import { A1111_SAMPLERS } from '../image/a1111-parameters.js';
import { applyOverlay } from '../image/apply-overlay.js';
import { encodePng, vaeSampleToRgb } from '../image/encode-image.js';
import type { ImageParameters } from '../image/a1111-parameters.js';
import { loadInitImage } from '../image/init-image.js';
import { join } from 'node:path';
import { readModelFolder } from '../model/model-folder.js';
import { OnnxModel, type RunStats } from '../onnx/onnx-model.js';
import { LoraSessions, type LoraActivation } from '../lora/lora-sessions.js';
import { assembleComponents, type PipelineComponents, type PipelineInfo } from './pipeline-components.js';
import { openPipelineParts, releaseParts, type PipelineParts } from './pipeline-parts.js';
import { SeededRng } from './rng.js';
import type { RgbImage } from '../vae/safety-checker.js';
import { parseSchedulerConfig } from '../schedulers/create-scheduler.js';
import { ClipTokenizer } from '../text/tokenizer/clip-tokenizer.js';
import {
  HIRES_LANCZOS,
  HIRES_LATENT,
  SAMPLER_NAMES,
  SIZE_MULTIPLE,
  type ExecutionProviderName,
  type GenerateOptions,
  type GeneratedImage,
  type GenerationParams,
  type GenerationResult,
} from '../types.js';
import { LATENT_CHANNELS } from '../unet/unet-runner.js';
import { validateGenerationParams } from './validate-params.js';
import { planHires, upscaleLatentsForSecondPass, validateHires, type ImageUpscaleParts } from './hires-fix.js';
import { DEFAULT_OUTPAINT_BLUR, encodeInpaintInputs, loadEditImage, needsInpaint, type EditImage } from './inpaint-setup.js';
import { passSteps, runSamplingPass, seedsOf } from './sampling-pass.js';
import { UpscalerModels } from '../upscale/upscaler-models.js';
import { upscaleInitImage } from '../upscale/upscale-init-image.js';

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
  /** Folder of ONNX image upscalers (`NAME.onnx`), for the hires fix and upscaling. */
  readonly upscalersDir?: string;
  /** Folder of `NAME.safetensors` LoRAs; without it, requests with LoRAs are refused. */
  readonly loraDir?: string;
  /** Where LoRA-patched copies of model parts are kept (least recently used out beyond `loraCacheMaxBytes`). */
  readonly loraCacheDir?: string;
  readonly loraCacheMaxBytes?: number;
  /** Told once when the requested provider could not start and cpu is used instead. */
  readonly onWarning?: (message: string) => void;
}

export type { PipelineInfo };

/** The A1111 fields of img2img, inpainting and the hires fix. */
function editParameters(params: GenerationParams): Partial<ImageParameters> {
  const inpainting = params.mask !== undefined || params.outpaint !== undefined;
  const strength = params.init?.strength;
  return {
    ...(strength !== undefined && (strength < 1 || inpainting) ? { denoisingStrength: strength } : {}),
    ...(inpainting ? { maskBlur: params.mask?.blur ?? DEFAULT_OUTPAINT_BLUR } : {}),
    ...(params.hires
      ? {
          denoisingStrength: params.hires.denoise,
          hires: {
            upscale: params.hires.scale,
            ...(params.hires.steps !== undefined ? { steps: params.hires.steps } : {}),
            upscaler: A1111_UPSCALER_NAMES[params.hires.upscaler] ?? params.hires.upscaler,
          },
        }
      : {}),
  };
}

/** What the user asked for, to name it when the model cannot do it. */
function editOptionName(params: GenerationParams): string {
  if (params.outpaint === undefined) return 'mask';
  return params.outpaint.kind === 'zoom' ? 'Zoom Out' : 'Pan';
}

const A1111_UPSCALER_NAMES: Readonly<Record<string, string>> = { [HIRES_LATENT]: 'Latent', [HIRES_LANCZOS]: 'Lanczos' };

export type PipelineRunStats = Record<keyof PipelineParts, RunStats | undefined>;

const DEFAULT_MAX_INIT_PIXELS = 4096 * 4096;
/** Patched copies go here when no cache folder is given. */
const LORA_CACHE_FOLDER = '.lora-cache';

export class StableDiffusionPipeline {
  readonly info: PipelineInfo;
  private readonly loras: LoraSessions | undefined;
  private readonly upscalers: UpscalerModels;

  private constructor(
    private readonly components: PipelineComponents,
    private readonly options: PipelineOptions,
  ) {
    this.info = components.info;
    this.upscalers = new UpscalerModels(options.upscalersDir, { provider: components.info.provider, ...(options.threads !== undefined ? { threads: options.threads } : {}) });
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
    // 1. validate
    validateGenerationParams(params, SAMPLER_NAMES);
    if (params.hires) validateHires(params.hires, params);
    this.components.conditioner.layersFor(params.clipSkip); // a clip-skip this model cannot do fails before any work
    const started = performance.now();
    const { signal, onProgress } = options;
    const throwIfCancelled = (): void => {
      if (signal?.aborted) throw new PipelineError('cancelled', 'generation cancelled');
    };
    throwIfCancelled();

    // 2. the start: init image, or image and mask, or the outpainting canvas
    const seeds = seedsOf(params);
    const edit = needsInpaint(params, this.components.unetSignature.sampleChannels) ? await this.loadEdit(params) : undefined;
    const strength = params.init?.strength ?? 1;
    const init = !edit && params.init && strength < 1 ? await this.prepareInit(params) : undefined;
    const startImage = init ?? edit?.image;
    if (startImage && strength === 0) return this.returnInitImage(params, seeds, startImage.rgb, started);
    const inpaint = edit ? await encodeInpaintInputs(edit, params, this.requireEncoder(editOptionName(params)), this.components.unetSignature.sampleChannels) : undefined;

    // 3. text conditioning
    const lora = await this.activateLoras(params, onProgress);
    throwIfCancelled();
    const conditioner = this.components.conditioner.withModels([lora.models.textEncoder, lora.models.textEncoder2].filter((model) => model !== undefined));
    const isLcm = this.info.kind === 'lcm';
    const guided = !isLcm && params.guidanceScale > 1;
    const textStarted = performance.now();
    const conditioning = await conditioner.encode(params.prompt, params.negativePrompt, guided, params.clipSkip);
    const textEncodeMs = performance.now() - textStarted;
    throwIfCancelled();

    const initLatent = init?.latent ?? inpaint?.initLatent;
    const start = initLatent !== undefined ? { latents: initLatent, strength } : undefined;
    const firstSteps = passSteps(params.numInferenceSteps, start?.strength);
    const hires = params.hires ? planHires(params, params.hires, firstSteps) : undefined;
    // Both passes of the hires fix share one progress bar.
    const total = firstSteps + (hires?.secondSteps ?? 0);
    const progress = (offset: number) => ({ offset, total, previewEvery: options.previewEvery ?? this.options.previewEvery, ...(onProgress ? { onProgress } : {}) });

    // 4. denoise, then the hires fix's second pass
    const denoiseStarted = performance.now();
    let latents = await runSamplingPass(this.components, {
      params,
      conditioning,
      ...(start ? { start } : {}),
      ...(inpaint ? { inpaint: inpaint.inpaint } : {}),
      unet: lora.models.unet,
      progress: progress(0),
      throwIfCancelled,
    });
    let output = params;
    if (hires) {
      const upscaled = await upscaleLatentsForSecondPass(latents, hires, params, await this.hiresImageParts(hires.hires.upscaler, latents, params));
      throwIfCancelled();
      latents = await runSamplingPass(this.components, { params: hires.second, conditioning, start: { latents: upscaled, strength: hires.hires.denoise }, unet: lora.models.unet, progress: progress(firstSteps), throwIfCancelled });
      output = hires.second;
    }
    const latentHeight = output.height / SIZE_MULTIPLE;
    const latentWidth = output.width / SIZE_MULTIPLE;
    const denoiseMs = performance.now() - denoiseStarted;
    throwIfCancelled();

    // 5. decode
    const decodeStarted = performance.now();
    const decoded = await this.decodeImages(latents, params.count, latentHeight, latentWidth, throwIfCancelled);
    const decodeMs = performance.now() - decodeStarted;
    // 6. overlay: what the mask keeps comes back as the original's pixels
    if (edit) for (const image of decoded) applyOverlay(image.rgb, edit.image.rgb, edit.overlayMask);
    // 7, 8. safety check on the final images, then PNGs
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
    const image = await loadInitImage(await this.initBytes(params), params.width, params.height, this.maxInitPixels);
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
      // A1111 records the first pass's size beside the hires upscale factor.
      ...(params.hires ? { width: params.width, height: params.height } : { width, height }),
      model: this.info.name,
      ...(params.clipSkip !== undefined ? { clipSkip: params.clipSkip } : {}),
      ...editParameters(params),
      ...(loras.length > 0 ? { loras } : {}),
    });
    return { png, seed, width, height, nsfw };
  }

  async release(): Promise<void> {
    await this.upscalers.release();
    await this.loras?.release();
    await releaseParts(this.components.parts);
  }

  private get maxInitPixels(): number {
    return this.options.maxInitPixels ?? DEFAULT_MAX_INIT_PIXELS;
  }

  private requireEncoder(option: string) {
    const encoder = this.components.encoder;
    if (!encoder) {
      throw new PipelineError('invalid_params', `${option} needs a model with a vae_encoder, and "${this.info.name}" has none; re-export it with the VAE encoder`);
    }
    return encoder;
  }

  /** The init image, upscaled by the requested upscaler model first when there is one. */
  private async initBytes(params: GenerationParams): Promise<Uint8Array> {
    const data = params.init?.data;
    if (data === undefined) throw new PipelineError('invalid_params', 'this needs an init image');
    if (params.upscaler === undefined || params.upscaler === HIRES_LANCZOS) return data;
    return upscaleInitImage(data, await this.upscalers.get(params.upscaler), params.width, params.height, this.maxInitPixels);
  }

  private async loadEdit(params: GenerationParams): Promise<EditImage> {
    const data = await this.initBytes(params);
    const init = params.init;
    return loadEditImage(init ? { ...params, init: { ...init, data } } : params, this.maxInitPixels);
  }

  /** Decoding, encoding and the upscaler model for a hires fix that upscales images; undefined for "latent". */
  private async hiresImageParts(upscaler: string, latents: Float32Array, first: GenerationParams): Promise<ImageUpscaleParts | undefined> {
    if (upscaler === HIRES_LATENT) return undefined;
    const encoder = this.requireEncoder(`hires-upscaler ${upscaler} (use latent instead)`);
    const model = upscaler === HIRES_LANCZOS ? undefined : await this.upscalers.get(upscaler);
    const [latentHeight, latentWidth] = [first.height / SIZE_MULTIPLE, first.width / SIZE_MULTIPLE];
    const latentSize = LATENT_CHANNELS * latentHeight * latentWidth;
    return {
      model,
      decode: async (index) => {
        const decoded = await this.components.decoder.decode(latents.subarray(index * latentSize, (index + 1) * latentSize), latentHeight, latentWidth);
        return { rgb: vaeSampleToRgb(decoded.sample, decoded.height, decoded.width), width: decoded.width, height: decoded.height };
      },
      encode: (chw, width, height) => encoder.encode(chw, height, width, new SeededRng(first.seed)),
    };
  }
}
