// What commands need from the layer above them. The job service (src/bot/core) implements these;
// commands stay platform-neutral and storage-neutral.
import type { Platform, Requester } from './generate-request.js';
import type { JobRecord, MessageRef } from './job-record.js';

/** A user as the limits and the queue see them: `${platform}:${userId}`. */
export type UserKey = `${Platform}:${string}`;

export function userKeyOf(platform: Platform, userId: string): UserKey {
  return `${platform}:${userId}`;
}

export interface JobRecordReader {
  get(jobId: string): Promise<JobRecord | undefined>;
  findByMessage(ref: MessageRef): Promise<JobRecord | undefined>;
}

export interface QueuedJobView {
  readonly jobId: string;
  readonly prompt: string;
  readonly status: 'queued' | 'running';
  /** 1-based place in line; 0 while running. */
  readonly position: number;
  /** Estimated wait until it starts (queued) or finishes (running). */
  readonly etaMs: number;
}

export interface QueueSnapshot {
  readonly running: number;
  readonly waiting: number;
  readonly paused: boolean;
  readonly mine: readonly QueuedJobView[];
}

export interface QueueView {
  snapshot(user: UserKey): Promise<QueueSnapshot>;
}

export interface LimitsView {
  /** Images the user may still request now, and when the bucket is full again. */
  remaining(user: UserKey): Promise<{ readonly images: number; readonly capacity: number; readonly refillMs: number }>;
}

export interface AdminControls {
  pauseIntake(): Promise<void>;
  resumeIntake(): Promise<void>;
  ban(user: UserKey): Promise<void>;
  unban(user: UserKey): Promise<void>;
  isBanned(user: UserKey): Promise<boolean>;
  /** Cancel any job, for the owner or an admin. Returns false when the job is unknown or already over. */
  cancel(jobId: string): Promise<boolean>;
}

/** Who a LoRA file seems to be made for, judged from its key names and shapes. */
export type LoraFamily = 'sd1' | 'sd2' | 'sdxl' | 'unknown';

export interface LoraEntry {
  /** The file name without `.safetensors`: what `<lora:NAME>` names. */
  readonly name: string;
  readonly family: LoraFamily;
  /** From the file's metadata (modelspec.trigger_phrase, the most used ss_tag_frequency tags). */
  readonly triggerWords: readonly string[];
}

/** The LoRA folder as commands see it. */
export interface LoraCatalog {
  list(): Promise<readonly LoraEntry[]>;
}

/** What the platform says of a user's role in a server, when asking it takes a call (Slack's users.info). */
export type ServerRole = 'manager' | 'member' | 'unknown';

/**
 * Who counts as able to manage a server where the invocation cannot say so itself: on Slack,
 * workspace admins and owners. 'unknown' when the platform could not be asked; callers refuse then.
 */
export interface ServerManagers {
  roleOf(requester: Requester): Promise<ServerRole>;
}
