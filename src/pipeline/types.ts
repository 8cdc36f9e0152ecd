// Platform-neutral vocabulary of the pipeline. Everything above the pipeline may import these types.

export const SAMPLER_NAMES = ['euler', 'euler_a', 'ddim', 'dpmpp_2m', 'dpmpp_2m_karras', 'lcm'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** Human names used in replies (the PNG parameters use A1111's own split, see image/a1111-parameters). */
export const SAMPLER_LABELS: Record<SamplerName, string> = {
  euler: 'Euler',
  euler_a: 'Euler a',
  ddim: 'DDIM',
  dpmpp_2m: 'DPM++ 2M',
  dpmpp_2m_karras: 'DPM++ 2M Karras',
  lcm: 'LCM',
};

export const MODEL_KINDS = ['sd1', 'sd2', 'sdxl', 'sd-turbo', 'sdxl-turbo', 'lcm'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

/** Seeds are unsigned 32-bit integers, as in A1111. */
export const MAX_SEED = 0xffff_ffff;

export const MIN_IMAGES_PER_REQUEST = 1;
export const MAX_IMAGES_PER_REQUEST = 4;
export const SIZE_MULTIPLE = 8;

export interface InitImage {
  /** Encoded image bytes in any format sharp reads. */
  readonly data: Uint8Array;
  /** 0 returns the init image, 1 is plain txt2img. */
  readonly strength: number;
}

/** Limits of `<lora:NAME:WEIGHT>`: A1111's range, and few enough LoRAs that applying them stays quick. */
export const MAX_LORAS_PER_REQUEST = 4;
export const MIN_LORA_WEIGHT = -2;
export const MAX_LORA_WEIGHT = 2;

/** A LoRA to apply: a file `NAME.safetensors` in the LoRA folder, scaled by `weight`. */
export interface LoraRequest {
  readonly name: string;
  readonly weight: number;
}

/** One generation as the pipeline sees it. Seeds run seed, seed+1, … for `count` images. */
export interface GenerationParams {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly seed: number;
  readonly numInferenceSteps: number;
  readonly guidanceScale: number;
  readonly sampler: SamplerName;
  readonly width: number;
  readonly height: number;
  readonly count: number;
  /** A1111 numbering: 1 = the last layer (no skip), 2 = the penultimate, … Needs hidden_states.N outputs. */
  readonly clipSkip?: number;
  readonly init?: InitImage;
  readonly loras?: readonly LoraRequest[];
}

export interface GenerationProgress {
  readonly step: number;
  readonly total: number;
  /** Small PNG (≤ 256 px on the long side) of the predicted image, present every few steps. */
  readonly preview?: Uint8Array;
  /** Set while the worker does something other than denoising, e.g. applying a new LoRA set. */
  readonly phase?: GenerationPhase;
}

export const GENERATION_PHASES = ['applying_lora'] as const;
export type GenerationPhase = (typeof GENERATION_PHASES)[number];

/** A LoRA as it was applied to a result. */
export interface AppliedLoraInfo {
  readonly name: string;
  readonly weight: number;
  /** First 12 hex digits of the file's SHA-256. */
  readonly hash: string;
  /** Modules of the file that found a weight in the model, out of all of them. */
  readonly applied: number;
  readonly total: number;
}

export interface GeneratedImage {
  /** PNG bytes with an A1111 `parameters` tEXt chunk. */
  readonly png: Uint8Array;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  /** True when the folder's safety checker flagged the image; false when there is none. */
  readonly nsfw: boolean;
}

export interface GenerationTimings {
  readonly totalMs: number;
  readonly textEncodeMs: number;
  readonly denoiseMs: number;
  readonly decodeMs: number;
  /** Mean wall time of one denoising step. */
  readonly msPerStep: number;
}

export interface GenerationResult {
  readonly images: readonly GeneratedImage[];
  readonly timings: GenerationTimings;
  /** Words cut off because the prompt exceeded the text encoder's window. */
  readonly truncatedWords: readonly string[];
  readonly model: string;
  /** The LoRAs applied, when the request had any. */
  readonly loras?: readonly AppliedLoraInfo[];
}

export interface GenerateOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: GenerationProgress) => void;
  /** Overrides the pipeline's preview interval for this call; 0 turns previews off. */
  readonly previewEvery?: number;
}
