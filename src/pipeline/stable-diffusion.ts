// The Stable Diffusion pipeline: prompt → text conditioning → denoising loop → VAE decode → PNG.
// It adapts to what the model folder actually holds (see model-signature.ts) and is proven on
// oracle models whose right answer is known in closed form.
import { PipelineError } from './errors.js';
import { guidanceScaleEmbedding } from './guidance-embedding.js';
import { encodePng, vaeSampleToRgb } from './image/encode-image.js';
import { latentPreviewPng, type LatentFamily } from './image/latent-preview.js';
import { loadInitImage } from './image/init-image.js';
import { modelKindOf, readModelFolder, type ModelFolder } from './model-folder.js';
import {
  checkHiddenSizes,
  readTextEncoderSignature,
  readUnetSignature,
  readVaeDecoderSignature,
  readVaeEncoderSignature,
  type UnetSignature,
} from './model-signature.js';
import { floatTensor } from './onnx/host-tensor.js';
import { OnnxModel, type RunStats } from './onnx/onnx-model.js';
import { SeededRng } from './rng.js';
import { createScheduler, parseSchedulerConfig } from './schedulers/create-scheduler.js';
import type { Scheduler, SchedulerConfig } from './schedulers/scheduler.js';
import { TextConditioner } from './text-conditioning.js';
import { ClipTokenizer } from './tokenizer/clip-tokenizer.js';
import {
  SAMPLER_LABELS,
  SAMPLER_NAMES,
  SIZE_MULTIPLE,
  type ExecutionProviderName,
  type GenerateOptions,
  type GeneratedImage,
  type GenerationParams,
  type GenerationResult,
  type ModelKind,
} from './types.js';
import { LATENT_CHANNELS, UnetRunner, type ExtraUnetInputs } from './unet-runner.js';
import { VaeDecoder, VaeEncoder } from './vae.js';
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
  /** Folder with taesd_decoder.onnx / taesdxl_decoder.onnx for previews. */
  readonly taesdDir?: string;
  /** Largest init image accepted, in pixels (sharp limitInputPixels). */
  readonly maxInitPixels?: number;
  /** Told once when the requested provider could not start and cpu is used instead. */
  readonly onWarning?: (message: string) => void;
}

export interface PipelineInfo {
  readonly name: string;
  readonly kind: ModelKind;
  readonly provider: ExecutionProviderName;
  /** Native size of the model, e.g. 512 for SD1, 1024 for SDXL. */
  readonly nativeSize: number;
  readonly hasVaeEncoder: boolean;
  readonly hasSafetyChecker: boolean;
  readonly supportsClipSkip: boolean;
}

const DEFAULT_MAX_INIT_PIXELS = 4096 * 4096;
const UINT32_RANGE = 0x1_0000_0000;

interface Parts {
  readonly textEncoder: OnnxModel;
  readonly unet: OnnxModel;
  readonly vaeDecoder: OnnxModel;
  readonly vaeEncoder: OnnxModel | undefined;
}

async function openModel(file: string, options: PipelineOptions, provider: ExecutionProviderName): Promise<OnnxModel> {
  return OnnxModel.load(file, { provider, ...(options.threads !== undefined ? { threads: options.threads } : {}) });
}

/** Opens the first part on the requested provider, falling back to cpu only when allowed. */
async function resolveProvider(file: string, options: PipelineOptions): Promise<{ model: OnnxModel; provider: ExecutionProviderName }> {
  try {
    return { model: await openModel(file, options, options.provider), provider: options.provider };
  } catch (error) {
    if (!(error instanceof PipelineError) || error.code !== 'provider_unavailable' || !options.allowCpuFallback) throw error;
    options.onWarning?.(`${error.message}; falling back to cpu`);
    return { model: await openModel(file, options, 'cpu'), provider: 'cpu' };
  }
}

function nativeSizeOf(kind: ModelKind, folder: ModelFolder): number {
  if (folder.vaeSampleSize !== undefined && folder.vaeSampleSize >= 256) return folder.vaeSampleSize;
  return kind === 'sdxl' || kind === 'sdxl-turbo' ? 1024 : kind === 'sd2' ? 768 : 512;
}

export class StableDiffusionPipeline {
  private constructor(
    readonly info: PipelineInfo,
    private readonly folder: ModelFolder,
    private readonly parts: Parts,
    private readonly conditioner: TextConditioner,
    private readonly unetSignature: UnetSignature,
    private readonly schedulerConfig: SchedulerConfig,
    private readonly decoder: VaeDecoder,
    private readonly encoder: VaeEncoder | undefined,
    private readonly options: PipelineOptions,
  ) {}

  static async load(modelDir: string, name: string, options: PipelineOptions): Promise<StableDiffusionPipeline> {
    const folder = await readModelFolder(modelDir);
    if (folder.isXl) {
      throw new PipelineError('invalid_model_folder', `${modelDir}: SDXL folders (text_encoder_2/) are not supported yet`);
    }
    const schedulerConfig = parseSchedulerConfig(folder.schedulerConfig, folder.schedulerConfigFile);
    const tokenizer = await ClipTokenizer.fromFolder(folder.tokenizerDir);
    const { model: unet, provider } = await resolveProvider(folder.parts.unet, options);
    const parts: Parts = {
      unet,
      textEncoder: await openModel(folder.parts.textEncoder, options, provider),
      vaeDecoder: await openModel(folder.parts.vaeDecoder, options, provider),
      vaeEncoder: folder.parts.vaeEncoder ? await openModel(folder.parts.vaeEncoder, options, provider) : undefined,
    };
    const textSignature = readTextEncoderSignature(parts.textEncoder);
    const unetSignature = readUnetSignature(parts.unet);
    checkHiddenSizes(parts.textEncoder, textSignature, parts.unet, unetSignature);
    const hiddenSize = textSignature.hiddenSize ?? unetSignature.hiddenSize ?? 0;
    const kind = modelKindOf(folder, hiddenSize, unetSignature.timestepCond !== undefined);
    const info: PipelineInfo = {
      name,
      kind,
      provider,
      nativeSize: nativeSizeOf(kind, folder),
      hasVaeEncoder: parts.vaeEncoder !== undefined,
      hasSafetyChecker: false,
      supportsClipSkip: textSignature.hiddenStateOutputs.length > 0,
    };
    return new StableDiffusionPipeline(
      info,
      folder,
      parts,
      new TextConditioner(tokenizer, parts.textEncoder, textSignature),
      unetSignature,
      schedulerConfig,
      new VaeDecoder(parts.vaeDecoder, readVaeDecoderSignature(parts.vaeDecoder), folder.vaeScalingFactor),
      parts.vaeEncoder ? new VaeEncoder(parts.vaeEncoder, readVaeEncoderSignature(parts.vaeEncoder), folder.vaeScalingFactor) : undefined,
      options,
    );
  }

  /** Raw session.run time per part, for benchmarks. */
  runStats(): Record<keyof Parts, RunStats | undefined> {
    return {
      textEncoder: { ...this.parts.textEncoder.stats },
      unet: { ...this.parts.unet.stats },
      vaeDecoder: { ...this.parts.vaeDecoder.stats },
      vaeEncoder: this.parts.vaeEncoder ? { ...this.parts.vaeEncoder.stats } : undefined,
    };
  }

  private get latentFamily(): LatentFamily {
    return this.folder.isXl ? 'sdxl' : 'sd';
  }

  async generate(params: GenerationParams, options: GenerateOptions = {}): Promise<GenerationResult> {
    validateGenerationParams(params, SAMPLER_NAMES);
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

    const isLcm = this.info.kind === 'lcm';
    const guided = !isLcm && params.guidanceScale > 1;
    const textStarted = performance.now();
    const conditioning = await this.conditioner.encode(params.prompt, params.negativePrompt, guided);
    const textEncodeMs = performance.now() - textStarted;
    throwIfCancelled();

    // One scheduler and one RNG per image, so image i depends only on seed + i.
    const schedulers: Scheduler[] = seeds.map(() => createScheduler(params.sampler, this.schedulerConfig));
    const rngs = seeds.map((seed) => new SeededRng(seed));
    for (const scheduler of schedulers) scheduler.setTimesteps(params.numInferenceSteps);
    const first = schedulers[0]!;
    let beginIndex = 0;
    if (init) {
      const initTimestep = Math.min(Math.floor(params.numInferenceSteps * params.init!.strength), params.numInferenceSteps);
      beginIndex = Math.max(params.numInferenceSteps - initTimestep, 0);
      for (const scheduler of schedulers) scheduler.setBeginIndex(beginIndex);
    }
    const timesteps = first.timesteps.slice(beginIndex);
    const total = timesteps.length;

    const latents = new Float32Array(params.count * latentSize);
    for (let i = 0; i < params.count; i++) {
      const view = latents.subarray(i * latentSize, (i + 1) * latentSize);
      rngs[i]!.fillGaussian(view);
      if (init) {
        view.set(schedulers[i]!.addNoise(init.latent, view.slice(), timesteps[0]!));
      } else {
        const sigma = first.initNoiseSigma;
        for (let k = 0; k < view.length; k++) view[k]! *= sigma;
      }
    }

    const runner = new UnetRunner(
      this.parts.unet,
      this.unetSignature,
      { count: params.count, latentHeight, latentWidth },
      conditioning,
      params.guidanceScale,
      this.extraUnetInputs(params, guided),
    );
    const previewEvery = options.previewEvery ?? this.options.previewEvery;
    const predicted = previewEvery > 0 ? new Float32Array(latents.length) : undefined;

    const denoiseStarted = performance.now();
    for (let step = 0; step < total; step++) {
      throwIfCancelled();
      const t = timesteps[step]!;
      for (let i = 0; i < params.count; i++) {
        const view = latents.subarray(i * latentSize, (i + 1) * latentSize);
        runner.modelInput.set(schedulers[i]!.scaleModelInput(view, t), i * latentSize);
      }
      const noise = await runner.predict(t);
      const isPreviewStep = predicted !== undefined && ((step + 1) % previewEvery === 0 || step === total - 1);
      for (let i = 0; i < params.count; i++) {
        const range: [number, number] = [i * latentSize, (i + 1) * latentSize];
        const result = schedulers[i]!.step(noise.subarray(...range), t, latents.subarray(...range), rngs[i]!);
        // LCM decodes the denoised output of the last step, not the raw latents.
        latents.set(isLcm && step === total - 1 ? result.predOriginalSample : result.prevSample, range[0]);
        if (isPreviewStep) predicted.set(result.predOriginalSample, range[0]);
      }
      onProgress?.({ step: step + 1, total });
      // The last step's prediction is the result itself, delivered moments later.
      if (isPreviewStep && step < total - 1) {
        const preview = latentPreviewPng(predicted, params.count, latentHeight, latentWidth, this.latentFamily);
        onProgress?.({ step: step + 1, total, preview });
      }
    }
    const denoiseMs = performance.now() - denoiseStarted;
    throwIfCancelled();

    const decodeStarted = performance.now();
    const images: GeneratedImage[] = [];
    for (let i = 0; i < params.count; i++) {
      throwIfCancelled();
      const decoded = await this.decoder.decode(latents.subarray(i * latentSize, (i + 1) * latentSize), latentHeight, latentWidth);
      images.push(await this.toImage(params, seeds[i]!, vaeSampleToRgb(decoded.sample, decoded.height, decoded.width), decoded.width, decoded.height));
    }
    const decodeMs = performance.now() - decodeStarted;
    return {
      images,
      model: this.info.name,
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

  private extraUnetInputs(params: GenerationParams, guided: boolean): ExtraUnetInputs {
    const cond = this.unetSignature.timestepCond;
    if (!cond) return {};
    const size = cond.size ?? 256;
    const batch = params.count * (guided ? 2 : 1);
    const row = guidanceScaleEmbedding(params.guidanceScale, size);
    const data = new Float32Array(batch * size);
    for (let i = 0; i < batch; i++) data.set(row, i * size);
    return { timestep_cond: floatTensor(cond.type, data, [batch, size]) };
  }

  private async prepareInit(params: GenerationParams): Promise<{ rgb: Uint8Array; latent: Float32Array }> {
    const image = await loadInitImage(params.init!.data, params.width, params.height, this.options.maxInitPixels ?? DEFAULT_MAX_INIT_PIXELS);
    if (params.init!.strength === 0) return { rgb: image.rgb, latent: new Float32Array(0) };
    if (!this.encoder) {
      throw new PipelineError('invalid_params', `model "${this.info.name}" has no vae_encoder, so it cannot start from an image; re-export it with the VAE encoder`);
    }
    return { rgb: image.rgb, latent: await this.encoder.encode(image.chw, params.height, params.width, new SeededRng(params.seed)) };
  }

  private async returnInitImage(params: GenerationParams, seeds: readonly number[], rgb: Uint8Array, started: number): Promise<GenerationResult> {
    const images = await Promise.all(seeds.map((seed) => this.toImage(params, seed, rgb, params.width, params.height)));
    const totalMs = performance.now() - started;
    return { images, model: this.info.name, truncatedWords: [], timings: { totalMs, textEncodeMs: 0, denoiseMs: 0, decodeMs: 0, msPerStep: 0 } };
  }

  private async toImage(params: GenerationParams, seed: number, rgb: Uint8Array, width: number, height: number): Promise<GeneratedImage> {
    const png = await encodePng(rgb, width, height, {
      prompt: params.prompt,
      negativePrompt: params.negativePrompt,
      steps: params.numInferenceSteps,
      sampler: SAMPLER_LABELS[params.sampler],
      cfgScale: params.guidanceScale,
      seed,
      width,
      height,
      model: this.info.name,
      ...(params.clipSkip !== undefined ? { clipSkip: params.clipSkip } : {}),
      ...(params.init !== undefined && params.init.strength < 1 ? { denoisingStrength: params.init.strength } : {}),
    });
    return { png, seed, width, height, nsfw: false };
  }

  async release(): Promise<void> {
    const { textEncoder, unet, vaeDecoder, vaeEncoder } = this.parts;
    await Promise.all([textEncoder.release(), unet.release(), vaeDecoder.release(), vaeEncoder?.release()]);
  }
}

