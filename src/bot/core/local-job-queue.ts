// JOB_QUEUE=local: the fair queue in this process, running jobs on the pipeline worker (or the
// plain resize), kept in the state store so queued and running jobs outlive a crash. On start
// the kept jobs go back in line in their old order; one that was running runs again, once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { UserKey } from '../../commands/ports.js';
import type { GenerationPhase, GenerationResult } from '../../pipeline/types.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import { FairQueue } from './fair-queue.js';
import type { FairQueueOptions, QueuedJob, RunOutcome } from './fair-queue.js';
import type { ImageGenerator } from './image-generator.js';
import { cancelledError, interruptedError, toJobFailure } from './job-errors.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type {
  Admission,
  JobPlace,
  JobQueue,
  JobQueueEvent,
  JobQueueListener,
  JobWork,
  QueueCaps,
  QueueCounts,
  QueueFailure,
  QueueJob,
  ResumedJob,
} from './ports/job-queue.js';
import type { KeptJob, QueueJournal } from './queue-journal.js';
import { runResize } from './upscale.js';

type Ending = Extract<JobQueueEvent, { type: 'completed' | 'failed' }>;

/** A job cut off by restarts this many times in total fails instead of running again. */
export const MAX_ATTEMPTS = 2;
/** After the grace period, stopped jobs get this long to wind down. */
const ABORT_SETTLE_MS = 15_000;
/** Why a running job's signal was aborted by close(), not by a user. */
const CLOSING = Symbol('queue closing');
const CANCELLED = Symbol('cancelled');

export interface LocalJobQueueOptions {
  readonly generator: ImageGenerator;
  readonly journal: QueueJournal;
  readonly queue?: FairQueueOptions;
  /** Largest image the plain resize accepts, in pixels. */
  readonly maxInitPixels?: number;
  readonly logger?: Logger;
}

export class LocalJobQueue implements JobQueue {
  private readonly fair: FairQueue;
  private readonly logger: Logger;
  private listener: JobQueueListener = () => undefined;
  /** Endings being handed to the listener; the job is forgotten once its handler settles. */
  private readonly endings = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly options: LocalJobQueueOptions) {
    this.fair = new FairQueue(options.queue);
    this.logger = options.logger ?? silentLogger;
  }

  async start(listener: JobQueueListener): Promise<readonly ResumedJob[]> {
    this.listener = listener;
    const kept = await this.options.journal.load();
    // Jobs that were running go first, then the rest by round and arrival, as before.
    const order = [...kept.filter((job) => job.running), ...kept.filter((job) => !job.running).sort((a, b) => a.round - b.round)];
    const resumed: ResumedJob[] = [];
    for (const job of order) {
      const attempt = job.running ? job.attempt + 1 : job.attempt;
      if (attempt > MAX_ATTEMPTS) {
        this.end(job.job.jobId, { type: 'failed', jobId: job.job.jobId, failure: toQueueFailure(interruptedError(job.job.jobId, job.attempt), false) });
        continue;
      }
      this.fair.restore(this.queued({ ...job, attempt }, Promise.resolve()), job.round);
      resumed.push({ jobId: job.job.jobId, user: job.job.user, wasRunning: job.running });
    }
    return resumed;
  }

  async submit(job: QueueJob, caps: QueueCaps): Promise<Admission> {
    // The job is in line at once (the cap check and the add are one synchronous step), so its
    // place is known without waiting for the store. It waits for its journal write before it
    // runs, and fails (telling its user) if that write failed.
    let kept: (round: number) => void = () => undefined;
    const saved = new Promise<void>((resolve, reject) => {
      kept = (round) => void this.options.journal.add(job, round).then(resolve, reject);
    });
    saved.catch((error: unknown) => this.logger.error({ err: error, jobId: job.jobId }, 'could not keep a job in the state store'));
    const admission = this.fair.add(this.queued({ job, round: 0, attempt: 1, running: false }, saved), caps);
    if (admission.accepted) kept(admission.round);
    return admission;
  }

  async counts(user: UserKey): Promise<QueueCounts> {
    return {
      waiting: this.fair.waitingCount,
      running: this.fair.runningCount,
      waitingOfUser: this.fair.waitingOf(user),
      pendingOfUser: this.fair.pendingOf(user),
      paused: this.fair.paused,
      nextStartMs: this.fair.nextStartMs(),
    };
  }

  async placeOf(jobId: string): Promise<JobPlace | undefined> {
    return this.fair.placeOf(jobId);
  }

  async jobsOf(user: UserKey): Promise<ReadonlyArray<{ readonly jobId: string } & JobPlace>> {
    return this.fair.jobsOf(user).map(({ id, ...place }) => ({ jobId: id, ...place }));
  }

  async cancel(jobId: string): Promise<'removed' | 'aborted' | undefined> {
    const outcome = this.fair.cancel(jobId, CANCELLED);
    if (outcome === 'removed') {
      this.end(jobId, { type: 'failed', jobId, failure: toQueueFailure(cancelledError(jobId), false) });
    }
    return outcome;
  }

  async pauseIntake(): Promise<void> {
    this.fair.pauseIntake();
  }

  async resumeIntake(): Promise<void> {
    if (!this.closing) this.fair.resumeIntake();
  }

  /** Waiting jobs in this process, without a store read (for /healthz and metrics). */
  get waitingCount(): number {
    return this.fair.waitingCount;
  }

  async close(graceMs: number): Promise<void> {
    this.closing = true;
    this.fair.pauseIntake();
    this.fair.stopStarting();
    const settled = this.fair.whenRunningSettled();
    const finishedInTime = await Promise.race([settled.then(() => true), sleep(graceMs).then(() => false)]);
    if (!finishedInTime) {
      this.logger.warn({ graceMs, running: this.fair.runningCount }, 'grace period over; stopping running jobs (they run again after the restart)');
      this.fair.abortRunning(CLOSING);
      await Promise.race([settled, sleep(ABORT_SETTLE_MS)]);
    }
    await Promise.allSettled([...this.endings]);
  }

  private queued(kept: KeptJob, saved: Promise<void>): QueuedJob {
    const { job } = kept;
    let ending: Ending | undefined;
    return {
      id: job.jobId,
      user: job.user,
      cost: job.cost,
      run: async (signal) => {
        const ran = await this.run(kept, saved, signal);
        ending = ran.ending;
        return ran.outcome;
      },
      onPosition: (position, etaMs) => this.emit({ type: 'position', jobId: job.jobId, position, etaMs }),
      // The ending is told once the job has left the line, so whoever hears it sees it gone.
      onSettled: () => {
        if (ending !== undefined) this.end(job.jobId, ending);
      },
    };
  }

  private async run(kept: KeptJob, saved: Promise<void>, signal: AbortSignal): Promise<{ outcome: RunOutcome; ending?: Ending }> {
    const { job, attempt } = kept;
    const { jobId } = job;
    try {
      await saved;
    } catch (error) {
      const failure = toQueueFailure(UserFacingError.of('generation_failed', { jobId }), true, error);
      return { outcome: 'failed', ending: { type: 'failed', jobId, failure } };
    }
    try {
      await this.options.journal.markRunning(jobId, attempt);
    } catch (error) {
      this.logger.error({ err: error, jobId }, 'could not note in the state store that a job started');
    }
    if (attempt > 1) this.emit({ type: 'restarted', jobId, attempt, reason: 'restart' });
    this.emit({ type: 'started', jobId, attempt });
    try {
      const result = await this.work(job.work, signal, (step, total, preview, phase) => {
        this.fair.progress(jobId, step / total);
        this.emit({ type: 'progress', jobId, step, total, ...(preview === undefined ? {} : { preview }), ...(phase === undefined ? {} : { phase }) });
      });
      return { outcome: 'succeeded', ending: { type: 'completed', jobId, result } };
    } catch (error) {
      if (signal.aborted && signal.reason === CLOSING) return { outcome: 'cancelled' }; // kept: runs again after the restart
      const { error: refusal, unexpected } = toJobFailure(signal.aborted && signal.reason === CANCELLED ? cancelledError(jobId) : error, jobId);
      const ending: Ending = { type: 'failed', jobId, failure: toQueueFailure(refusal, unexpected, error) };
      return { outcome: refusal.code === 'cancelled' ? 'cancelled' : 'failed', ending };
    }
  }

  private work(
    work: JobWork,
    signal: AbortSignal,
    onProgress: (step: number, total: number, preview?: Uint8Array, phase?: GenerationPhase) => void,
  ): Promise<GenerationResult> {
    if (work.kind === 'resize') return runResize(work, this.options.maxInitPixels);
    return this.options.generator.generate(work.job, {
      signal,
      onProgress: (progress) => onProgress(progress.step, progress.total, progress.preview, progress.phase),
    });
  }

  private emit(event: JobQueueEvent): void {
    try {
      void Promise.resolve(this.listener(event)).catch((error: unknown) => this.logger.warn({ err: error, jobId: event.jobId }, 'job event handler failed'));
    } catch (error) {
      this.logger.warn({ err: error, jobId: event.jobId }, 'job event handler failed');
    }
  }

  /** Hands the ending to the listener, then forgets the job: a crash before that runs it again. */
  private end(jobId: string, event: Ending): void {
    const ending = (async () => {
      try {
        await this.listener(event);
      } catch (error) {
        this.logger.warn({ err: error, jobId }, 'job event handler failed');
      }
      await this.options.journal.remove(jobId);
    })().catch((error: unknown) => this.logger.error({ err: error, jobId }, 'could not forget a finished job in the state store'));
    this.endings.add(ending);
    void ending.finally(() => this.endings.delete(ending));
  }
}

function toQueueFailure(error: { code: QueueFailure['code']; message: string; details: QueueFailure['details'] }, unexpected: boolean, cause?: unknown): QueueFailure {
  return {
    code: error.code,
    message: error.message,
    details: error.details,
    unexpected,
    ...(cause === undefined || !unexpected ? {} : { cause: cause instanceof Error ? (cause.stack ?? cause.message) : String(cause) }),
  };
}
