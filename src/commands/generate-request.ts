// What a command hands to the job service: a complete, validated request, independent of platform.
import type { SamplerName } from '../pipeline/types.js';

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
}

export interface InitImageRef {
  /** Encoded image bytes (attachment, or an earlier result for Variations/Upscale). */
  readonly data: Uint8Array;
  readonly strength: number;
}

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
  /** Notes for the user, such as "size clamped to 1024×1024", shown with the result. */
  readonly notes: readonly string[];
}
