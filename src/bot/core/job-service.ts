// The job service: what the chat adapters and commands talk to. Intake decides whether a request
// gets in (one admission decision); the queue port runs it (locally or on worker hosts); the
// runner follows it to the user. This class only wires the three and answers the commands' ports.
import { randomUUID } from 'node:crypto';
import type { GenerateRequest, Requester } from '../../commands/generate-request.js';
import type { MessageRef } from '../../commands/job-record.js';
import type { AdminControls, JobRecordReader, LimitsView, QueueSnapshot, QueueView, UserKey } from '../../commands/ports.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import { JobIntake, type JobIntakeOptions } from './job-intake.js';
import { toJobFailure } from './job-errors.js';
import type { JobObserver } from './job-observer.js';
import { JobRunner } from './job-runner.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { ConversationResumer } from './ports/conversation-resumer.js';
import type { ResumedJob } from './ports/job-queue.js';

/** What intake needs, plus the service's own: a default upload id, the log, and the refusal count. */
export interface JobServiceOptions extends Omit<JobIntakeOptions, 'uploadId'> {
  /** A fresh id for an uploaded init image. */
  readonly uploadId?: () => string;
  readonly logger?: Logger;
  /** Told the code of every request turned away at intake (metrics). */
  readonly onRefused?: (code: string) => void;
}

export interface Submission {
  readonly jobId: string;
  /** 1-based place in line; 0 when it started at once. */
  readonly position: number;
  readonly etaMs: number;
}

export class JobService implements QueueView, LimitsView, AdminControls {
  private readonly intake: JobIntake;
  private readonly runner: JobRunner;
  private readonly logger: Logger;

  constructor(private readonly options: JobServiceOptions) {
    this.logger = options.logger ?? silentLogger;
    this.runner = new JobRunner({
      jobs: options.jobs,
      images: options.images,
      limiter: options.limiter,
      logger: this.logger,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.intake = new JobIntake({ ...options, uploadId: options.uploadId ?? (() => `upload-${randomUUID()}`) });
  }

  get records(): JobRecordReader {
    return this.options.jobs;
  }

  /** Lets an adapter take back the jobs of its conversations after a restart. Before start(). */
  addResumer(resumer: ConversationResumer): void {
    this.runner.addResumer(resumer);
  }

  /** Starts the queue; jobs kept from before a restart resume, and their events reach their conversations. */
  async start(): Promise<readonly ResumedJob[]> {
    const resumed = await this.options.queue.start(this.runner.handle);
    await this.runner.afterResume(resumed);
    if (resumed.length > 0) this.logger.info({ resumed: resumed.length, running: resumed.filter((job) => job.wasRunning).length }, 'resumed jobs kept from before the restart');
    return resumed;
  }

  /** When a queued or running job was accepted; kept in memory, so asking costs no store read. */
  acceptedAt(jobId: string): number | undefined {
    return this.runner.recordOf(jobId)?.createdAt;
  }

  /**
   * Accepts a request or rejects with a UserFacingError (paused, banned, unknown model, too many
   * pending, queue full, rate limited, missing init image). Everything after acceptance, including
   * the first place in line, goes to `observer`.
   */
  async submit(request: GenerateRequest, requester: Requester, observer: JobObserver): Promise<Submission> {
    const jobId = randomUUID();
    try {
      const admitted = await this.intake.admit(
        jobId,
        request,
        requester,
        ({ record, subject }) => this.runner.follow({ jobId, subject, count: request.count, observer, record }),
        (refused) => this.runner.forget(refused),
      );
      const { place } = admitted;
      if (place.status === 'queued') {
        try {
          await observer.onQueued?.(place.position, place.etaMs);
        } catch (error) {
          this.logger.warn({ err: error, jobId }, 'job observer failed');
        }
      }
      return { jobId, position: place.position, etaMs: place.etaMs };
    } catch (error) {
      // A store that is down must not reach the adapter as a raw error.
      if (UserFacingError.is(error)) {
        this.options.onRefused?.(error.code);
        throw error;
      }
      this.logger.error({ err: error, jobId }, 'could not accept the job');
      throw toJobFailure(error, jobId).error;
    }
  }

  /** Records that a platform message shows this job (for reactions and buttons after a restart). */
  async attachMessage(jobId: string, ref: MessageRef): Promise<void> {
    await this.options.jobs.attachMessage(jobId, ref);
  }

  /** Cancels a waiting or running job. False when it is unknown or already over. */
  async cancel(jobId: string): Promise<boolean> {
    return (await this.options.queue.cancel(jobId)) !== undefined;
  }

  async snapshot(user: UserKey): Promise<QueueSnapshot> {
    const [counts, mine] = await Promise.all([this.options.queue.counts(user), this.options.queue.jobsOf(user)]);
    const prompts = await Promise.all(
      mine.map(async (job) => this.runner.recordOf(job.jobId)?.request.prompt ?? (await this.options.jobs.get(job.jobId))?.request.prompt ?? ''),
    );
    return {
      running: counts.running,
      waiting: counts.waiting,
      paused: counts.paused,
      mine: mine.map((job, index) => ({ ...job, prompt: prompts[index] ?? '' })),
    };
  }

  remaining(user: UserKey): Promise<{ images: number; capacity: number; refillMs: number }> {
    return this.options.limiter.remaining(user);
  }

  pauseIntake(): Promise<void> {
    return this.options.queue.pauseIntake();
  }

  resumeIntake(): Promise<void> {
    return this.options.queue.resumeIntake();
  }

  ban(user: UserKey): Promise<void> {
    return this.options.bans.ban(user);
  }

  unban(user: UserKey): Promise<void> {
    return this.options.bans.unban(user);
  }

  isBanned(user: UserKey): Promise<boolean> {
    return this.options.bans.isBanned(user);
  }

  /**
   * Stops intake and lets running jobs finish within `graceMs`; the queue keeps what is still
   * waiting or was cut off, and it resumes on the next start. Resolves when the last messages are out.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.intake.close();
    await this.options.queue.close(graceMs);
    await this.runner.settled();
  }
}
