// How a chat adapter follows one job from queue to result. Every method may be async; the job
// service never lets an observer's failure affect the job or the queue.
import type { JobRecord } from '../../commands/job-record.js';
import type { UserFacingError } from '../../commands/user-facing-error.js';
import type { AppliedLoraInfo, GenerationPhase, GenerationTimings } from '../../pipeline/types.js';

export interface JobSuccessDetails {
  /** Prompt words cut off by the text encoder's window, to tell the user. */
  readonly truncatedWords: readonly string[];
  readonly timings?: GenerationTimings;
  /** The LoRAs applied, with how many of their modules matched the model. */
  readonly loras?: readonly AppliedLoraInfo[];
}

export interface JobObserver {
  /** Accepted and waiting: 1-based place in line and estimated wait. Not called when the job starts at once. */
  onQueued?(position: number, etaMs: number): void | Promise<void>;
  onPositionChange?(position: number, etaMs: number): void | Promise<void>;
  onStarted?(): void | Promise<void>;
  /**
   * The job runs again from the start: its worker stopped answering (`stalled`), or the bot was
   * restarted while it ran (`restart`). Progress starts over; the result still comes once.
   */
  onRestarted?(attempt: number, reason: 'stalled' | 'restart'): void | Promise<void>;
  /** `phase` is set while the worker does something other than a step (e.g. applying a new LoRA set). */
  onProgress?(step: number, total: number, preview?: Uint8Array, phase?: GenerationPhase): void | Promise<void>;
  /** The stored record (images listed in order) and the PNG bytes, same order. */
  onSucceeded(record: JobRecord, pngs: readonly Uint8Array[], details: JobSuccessDetails): void | Promise<void>;
  /** Every other ending: cancelled, interrupted, crashed, timed out, failed. */
  onFailed(error: UserFacingError): void | Promise<void>;
  /**
   * Whether the conversation already shows the job's ending (an earlier process posted it and
   * stopped before marking it delivered). Without it, such an ending is posted again.
   */
  showsEnding?(): Promise<boolean>;
}
