// The seam between the job service and whatever runs jobs: the in-process fair queue with its
// worker process (`local`), or a shared queue that worker hosts take from (`redis`). Intake and
// the runner only ever talk to this interface; each backend passes the same contract suite
// (test/contract/job-queue.contract.ts).
import type { UserKey } from '../../../commands/ports.js';
import type { ErrorCode, UserFacingErrorDetails } from '../../../commands/user-facing-error.js';
import type { GenerationJob } from '../../../pipeline/ipc/client.js';
import type { GenerationPhase, GenerationResult } from '../../../pipeline/types.js';

/** What a worker does for one job: run the model, or the plain 2× resize of an Upscale without one. */
export type JobWork =
  | { readonly kind: 'generate'; readonly job: GenerationJob }
  | {
      readonly kind: 'resize';
      readonly jobId: string;
      /** Reported as the result's model, so the record reads like any other. */
      readonly model: string;
      readonly image: Uint8Array;
      readonly seed: number;
      /** The source image was flagged: the resized one is too. */
      readonly nsfw: boolean;
    };

export interface QueueJob {
  readonly jobId: string;
  readonly user: UserKey;
  /** The configured model the job needs; a worker takes only jobs for models it has. */
  readonly model: string;
  /** Work units (see workUnits): what the ETA of everything behind it is made of. */
  readonly cost: number;
  readonly work: JobWork;
}

/** The caps intake enforces; the backend checks them in the same step that adds the job. */
export interface QueueCaps {
  /** Waiting jobs (whole queue) beyond which a new one is refused with queue_full. */
  readonly maxWaiting: number;
  /** Queued plus running jobs one user may have. */
  readonly maxPerUser: number;
}

export interface JobPlace {
  readonly status: 'queued' | 'running';
  /** 1-based place in line over the whole queue; 0 while running. */
  readonly position: number;
  /** Until it starts (queued) or finishes (running). */
  readonly etaMs: number;
}

export type Admission =
  | {
      readonly accepted: true;
      /**
       * The user's fairness round the backend gave the job: 1 + the highest round among the user's
       * pending jobs (never below the round being served). Lower rounds start first; equal rounds
       * start in arrival order. So a user's third job waits behind everyone's first and second.
       */
      readonly round: number;
      readonly place: JobPlace;
    }
  | {
      readonly accepted: false;
      readonly reason: 'queue_full' | 'too_many_pending' | 'intake_paused';
      /** queue_full: estimated time until a place frees up. */
      readonly retryAfterMs?: number;
      /** too_many_pending: the user's queued plus running jobs now. */
      readonly pending?: number;
    };

export interface QueueCounts {
  /** Jobs waiting in the whole queue (not running). */
  readonly waiting: number;
  readonly running: number;
  /** This user's waiting jobs. */
  readonly waitingOfUser: number;
  /** This user's queued plus running jobs. */
  readonly pendingOfUser: number;
  readonly paused: boolean;
  /** Estimated time until the next waiting job starts, that is until a place in line frees up. */
  readonly nextStartMs: number;
}

/** A failure as plain data, so it crosses a process or a Redis hop unchanged. */
export interface QueueFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details: UserFacingErrorDetails;
  /** Not a foreseen ending (crash, bug): the runner logs it in full. */
  readonly unexpected: boolean;
  /** What the backend knows about the cause, for the log only; never shown to a user. */
  readonly cause?: string;
}

/**
 * What happens to an accepted job. Every accepted job ends with exactly one `completed` or
 * `failed` (a cancel of a waiting job is a `failed` with code `cancelled`), unless the backend is
 * closed first: then it is kept and resumes on the next start.
 */
export type JobQueueEvent =
  | { readonly type: 'position'; readonly jobId: string; readonly position: number; readonly etaMs: number }
  | { readonly type: 'started'; readonly jobId: string; readonly attempt: number }
  | { readonly type: 'progress'; readonly jobId: string; readonly step: number; readonly total: number; readonly preview?: Uint8Array; readonly phase?: GenerationPhase }
  | { readonly type: 'completed'; readonly jobId: string; readonly result: GenerationResult }
  | { readonly type: 'failed'; readonly jobId: string; readonly failure: QueueFailure }
  /**
   * The job is being run again from the start: its worker stopped answering (`stalled`) or the
   * bot was restarted while it ran (`restart`). A job is re-run at most once; after that it fails.
   */
  | { readonly type: 'restarted'; readonly jobId: string; readonly attempt: number; readonly reason: 'stalled' | 'restart' };

/**
 * Receives every event. The backend awaits the handler of a `completed` or `failed` before it
 * forgets the job, so a bot that dies while saving or delivering runs the job again on restart
 * (the job record's delivered mark keeps the user from getting it twice).
 */
export type JobQueueListener = (event: JobQueueEvent) => void | Promise<void>;

/** A job the backend kept from before a restart and has put back in line. */
export interface ResumedJob {
  readonly jobId: string;
  readonly user: UserKey;
  /** It was running when the bot stopped, and will run again from the start. */
  readonly wasRunning: boolean;
}

export interface JobQueue {
  /**
   * Starts delivering events to `listener` and puts back in line, in their old order, the jobs
   * kept from before a restart. Call once, before the first submit.
   */
  start(listener: JobQueueListener): Promise<readonly ResumedJob[]>;
  /** Adds a job unless a cap or a pause refuses it; the check and the add are one step. */
  submit(job: QueueJob, caps: QueueCaps): Promise<Admission>;
  /** Counts over the whole queue (every process and host sharing it), and this user's share. */
  counts(user: UserKey): Promise<QueueCounts>;
  placeOf(jobId: string): Promise<JobPlace | undefined>;
  /** A user's jobs: running first, then waiting in the order they will start. */
  jobsOf(user: UserKey): Promise<ReadonlyArray<{ readonly jobId: string } & JobPlace>>;
  /**
   * Removes a waiting job (a `failed` event with code `cancelled` follows) or aborts a running one
   * (its `failed` follows once the worker has stopped). Undefined when the job is not here.
   */
  cancel(jobId: string): Promise<'removed' | 'aborted' | undefined>;
  /** Stops taking new jobs (submit answers intake_paused); jobs already in line still run. */
  pauseIntake(): Promise<void>;
  resumeIntake(): Promise<void>;
  /**
   * Stops starting jobs, gives running ones `graceMs` to finish, then stops them. Jobs still
   * waiting or cut off stay kept and resume on the next start (a cut-off one re-runs once).
   */
  close(graceMs: number): Promise<void>;
}
