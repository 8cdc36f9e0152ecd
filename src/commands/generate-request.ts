// What a command hands to the job service: a complete, validated request, independent of platform.
import type { HiresFix, LoraRequest, MaskRegion, Outpaint, SamplerName } from '../pipeline/types.js';
import type { ScopeNsfwPolicy } from './scope-settings.js';

export type Platform = 'discord' | 'slack' | 'playground';

/** Who asked, and where. Ids are the platform's own. */
export interface Requester {
  readonly platform: Platform;
  readonly userId: string;
  readonly userName?: string;
  /** Discord guild or Slack workspace; undefined in DMs. */
  readonly guildId?: string;
  readonly channelId: string;
  /** Discord `channel.nsfw`; DMs count as age-restricted for the requester's own results. */
  readonly ageRestrictedChannel: boolean;
  /** May change the server's defaults (Discord: Manage Server). ADMINS always may. */
  readonly canManageServer?: boolean;
}

/** Where an img2img request's init image comes from. */
export type InitImageSource =
  /** A user's attachment, already downloaded by the adapter. */
  | { readonly kind: 'upload'; readonly data: Uint8Array; readonly filename?: string }
  /** Image `imageIndex` of an earlier job's result (Variations, Upscale). */
  | { readonly kind: 'result'; readonly jobId: string; readonly imageIndex: number }
  /** An upload the job service has persisted, so the request survives a restart. */
  | { readonly kind: 'stored'; readonly imageId: string };

export interface InitImageRef {
  readonly source: InitImageSource;
  readonly strength: number;
}

/** Where an inpainting mask comes from: white repaints, black keeps. */
export type MaskRef =
  /** A mask image the user uploaded or painted, already read by the adapter. */
  | { readonly kind: 'upload'; readonly data: Uint8Array; readonly filename?: string }
  /** An uploaded mask the job service has persisted. */
  | { readonly kind: 'stored'; readonly imageId: string }
  /** A named region the pipeline draws at the output size. */
  | { readonly kind: 'region'; readonly region: MaskRegion };

export interface RequestMask {
  readonly source: MaskRef;
  /** Edge softening in pixels. */
  readonly blur: number;
}

/** What produced the request; every edit keeps a link to its parent job. */
export const REQUEST_ORIGINS = ['imagine', 'reroll', 'variation', 'upscale', 'vary_region', 'zoom', 'pan', 'remix'] as const;
export type RequestOrigin = (typeof REQUEST_ORIGINS)[number];

export interface GenerateRequest {
  readonly prompt: string;
  readonly negativePrompt: string;
  /** First seed; image i uses seed + i. */
  readonly seed: number;
  readonly numInferenceSteps: number;
  readonly guidanceScale: number;
  readonly sampler: SamplerName;
  readonly width: number;
  readonly height: number;
  readonly count: number;
  /** Configured model name (a key of the models config). */
  readonly model: string;
  readonly clipSkip?: number;
  readonly init?: InitImageRef;
  /** Repaint only where the mask is white (needs `init`). */
  readonly mask?: RequestMask;
  /** Place `init` on the larger canvas width × height and fill the new area (needs `init`). */
  readonly outpaint?: Outpaint;
  /** A1111's hires fix: paint at width × height, then upscale by its scale and refine. */
  readonly hires?: HiresFix;
  /** Upscaler model (a name in UPSCALERS_DIR) for upscaling this job's images; the server's default when absent. */
  readonly upscaler?: string;
  /** LoRAs to apply; Re-roll, Variations and Upscale keep them. */
  readonly loras?: readonly LoraRequest[];
  /** Upscale without the model: a plain Lanczos 2× resize of `init` (used when a hires pass exceeds limits). */
  readonly resizeOnly?: boolean;
  readonly origin: RequestOrigin;
  readonly parentJobId?: string;
  /** Where the channel or server set one: what to do with images the safety checker flags. */
  readonly nsfwPolicy?: ScopeNsfwPolicy;
  /** Notes for the user, such as "size clamped to 1024×1024", shown with the result. */
  readonly notes: readonly string[];
}
