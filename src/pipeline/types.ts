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

export const MASK_REGIONS = ['left', 'right', 'top', 'bottom', 'centre', 'border'] as const;
export type MaskRegion = (typeof MASK_REGIONS)[number];
/** White repaints, black keeps. A region is drawn by the pipeline at the output size. */
export type MaskSource =
  | { readonly kind: 'image'; readonly data: Uint8Array }
  | { readonly kind: 'region'; readonly region: MaskRegion };
export interface InpaintMask {
  readonly source: MaskSource;
  /** Edge softening in pixels (A1111 "Mask blur"). */
  readonly blur: number;
}
export const PAN_DIRECTIONS = ['left', 'right', 'up', 'down'] as const;
export type PanDirection = (typeof PAN_DIRECTIONS)[number];
/** Outpainting: the init image is placed on a larger canvas (width × height of the request), the new area is filled and masked, and the prompt runs again. */
export type Outpaint =
  | { readonly kind: 'zoom'; readonly factor: number /* 1.5 or 2 */ }
  | { readonly kind: 'pan'; readonly direction: PanDirection };
export interface HiresFix {
  /** 1–2 */
  readonly scale: number;
  /** Steps of the second pass; defaults to the first pass's. */
  readonly steps?: number;
  /** Denoising strength of the second pass, default 0.5. */
  readonly denoise: number;
  /** 'latent', 'lanczos' or the name of an upscaler model in UPSCALERS_DIR. */
  readonly upscaler: string;
}

/** Hires fix bounds and defaults, as in A1111. */
export const MIN_HIRES_SCALE = 1;
export const MAX_HIRES_SCALE = 2;
export const DEFAULT_HIRES_DENOISE = 0.5;
/** Built-in hires upscalers; any other name is an upscaler model. */
export const HIRES_LATENT = 'latent';
export const HIRES_LANCZOS = 'lanczos';
/** Mask blur in pixels: A1111's default, and a limit well past any useful softening. */
export const DEFAULT_MASK_BLUR = 4;
export const MAX_MASK_BLUR = 64;

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
  /** Repaint only the mask's white area of `init`. */
  readonly mask?: InpaintMask;
  /** Extend `init` onto the larger canvas of width × height. */
  readonly outpaint?: Outpaint;
  /** A1111's two-pass generation: native size first, then upscale and img2img. */
  readonly hires?: HiresFix;
  /** Upscaler model (in UPSCALERS_DIR) used by an upscale-only job. */
  readonly upscaler?: string;
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
