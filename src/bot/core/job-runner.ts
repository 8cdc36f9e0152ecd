// The runner: follows each job from the queue's events to the user. It keeps the job record in
// step (running, succeeded, failed), saves the images, gives back images the user did not get
// through their own doing, and tells the job's observer, posting each ending exactly once (a
// delivery lease on the job record, below). After a restart it finds the observer of a kept job
// again through the chat adapters' resumers.
//
// Exactly once, with this process killed at any point of a delivery:
// - before the turn is taken: the queue still holds the ending; the next start delivers it ('first').
// - holding the turn, before or while posting: the lease runs out unrenewed; the next start (or
//   another bot) waits it out, gets 'again', asks the observer whether the message already shows
//   the result, and posts only if it does not. A post that reached the platform is not repeated.
// - after posting, before the mark is 'done': the same 'again' path finds the post and only marks it.
// - after 'done': nothing is posted again, however often the ending is heard.
import type { JobImageRecord, JobRecord, JobStatus } from '../../commands/job-record.js';
import { userKeyOf } from '../../commands/ports.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { ErrorCode } from '../../commands/user-facing-error.js';
import type { GenerationResult } from '../../pipeline/types.js';
import type { JobObserver } from './job-observer.js';
import type { Logger } from './logger.js';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from './logger.js';
import type { ConversationResumer } from './ports/conversation-resumer.js';
import type { ImageStore } from './ports/image-store.js';
import { resultImageId } from './ports/image-store.js';
import type { JobQueueEvent, QueueFailure, ResumedJob } from './ports/job-queue.js';
import type { DeliveryTurn, JobStore } from './ports/job-store.js';
import type { RateLimitSubject, RateLimiter } from './rate-limiter.js';

/** Endings that were not the user's doing give the images back. */
const REFUNDED: ReadonlySet<ErrorCode> = new Set(['worker_crashed', 'timed_out', 'generation_failed', 'interrupted', 'model_unavailable']);

/** How long a delivery turn outlives a process that stopped renewing it (killed while posting). */
const DELIVERY_LEASE_MS = 10_000;
/** How long a delivery waits for a store that does not answer (Redis restarting), and how it backs off. */
const STORE_WAIT_MS = 60_000;
const STORE_RETRY_FIRST_MS = 250;
const STORE_RETRY_MAX_MS = 5_000;

export interface JobRunnerOptions {
  readonly jobs: JobStore;
  readonly images: ImageStore;
  readonly limiter: RateLimiter;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly deliveryLeaseMs?: number;
}

/** A job this process follows: taken here, or kept from before a restart. */
export interface FollowedJob {
  readonly jobId: string;
  readonly subject: RateLimitSubject;
  readonly count: number;
  readonly observer: JobObserver | undefined;
  /** Latest known record; what observers get even if the store is failing. */
  record: JobRecord;
  started: boolean;
}

export class JobRunner {
  private readonly followed = new Map<string, FollowedJob>();
  /** Kept jobs being looked up, so the events that arrive meanwhile share one lookup and one observer. */
  private readonly adopting = new Map<string, Promise<FollowedJob | undefined>>();
  private readonly resumers: ConversationResumer[] = [];
  /** Observer calls in flight, so shutdown can let the last messages out. */
  private readonly notifications = new Set<Promise<unknown>>();
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly leaseMs: number;
  /** This process, as the holder of delivery turns. */
  private readonly holder = randomUUID();

  constructor(private readonly options: JobRunnerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.leaseMs = options.deliveryLeaseMs ?? DELIVERY_LEASE_MS;
  }

  follow(job: Omit<FollowedJob, 'started'>): void {
    this.followed.set(job.jobId, { ...job, started: false });
  }

  forget(jobId: string): void {
    this.followed.delete(jobId);
  }

  addResumer(resumer: ConversationResumer): void {
    this.resumers.push(resumer);
  }

  /** Tells every adapter which jobs resumed, so each can mark the rest of its unfinished messages. */
  async afterResume(resumed: readonly ResumedJob[]): Promise<void> {
    for (const resumer of this.resumers) {
      try {
        await resumer.afterResume?.(resumed);
      } catch (error) {
        this.logger.warn({ err: error }, 'an adapter could not mark the jobs a restart cut off');
      }
    }
  }

  /** A followed job's record (prompt, accept time) from memory, without a store read. */
  recordOf(jobId: string): JobRecord | undefined {
    return this.followed.get(jobId)?.record;
  }

  /** Resolves once the observer calls made so far have settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.notifications]);
  }

  /** The queue's listener. Resolves once an ending is saved and told. */
  readonly handle = async (event: JobQueueEvent): Promise<void> => {
    const job = this.followed.get(event.jobId) ?? (await this.adoptOnce(event.jobId));
    if (job === undefined) {
      this.logger.warn({ jobId: event.jobId, event: event.type }, 'event for a job without a record');
      return;
    }
    switch (event.type) {
      case 'position':
        this.notify(job, (observer) => observer.onPositionChange?.(event.position, event.etaMs));
        return;
      case 'started': {
        job.started = true;
        const startedAt = this.now();
        // Not awaited: the store's per-job lock keeps this write ahead of the job's ending.
        void this.saveRecord(job, (record) => ({ ...record, status: 'running', startedAt }));
        this.notify(job, (observer) => observer.onStarted?.());
        return;
      }
      case 'progress':
        this.notify(job, (observer) => observer.onProgress?.(event.step, event.total, event.preview, event.phase));
        return;
      case 'restarted':
        this.notify(job, (observer) => observer.onRestarted?.(event.attempt, event.reason));
        return;
      case 'completed':
        await this.succeed(job, event.result);
        return;
      case 'failed':
        await this.fail(job, event.failure);
        return;
      default: {
        const unknown: never = event;
        throw new Error(`unknown job event ${JSON.stringify(unknown)}`);
      }
    }
  };

  private adoptOnce(jobId: string): Promise<FollowedJob | undefined> {
    let adopting = this.adopting.get(jobId);
    if (adopting === undefined) {
      adopting = this.adopt(jobId).finally(() => this.adopting.delete(jobId));
      this.adopting.set(jobId, adopting);
    }
    return adopting;
  }

  /** A kept job from before a restart: its record and an observer in its original conversation. */
  private async adopt(jobId: string): Promise<FollowedJob | undefined> {
    const record = await this.options.jobs.get(jobId);
    if (record === undefined) return undefined;
    let observer: JobObserver | undefined;
    for (const resumer of this.resumers) {
      observer = resumer.observerFor(record);
      if (observer !== undefined) break;
    }
    if (observer === undefined) this.logger.warn({ jobId, platform: record.requester.platform }, 'no adapter can reach the conversation of a resumed job');
    const { requester } = record;
    const job: FollowedJob = {
      jobId,
      subject: {
        user: userKeyOf(requester.platform, requester.userId),
        ...(requester.guildId === undefined ? {} : { guild: `${requester.platform}:${requester.guildId}` }),
      },
      count: record.request.count,
      observer,
      record,
      started: record.status === 'running',
    };
    this.followed.set(jobId, job);
    return job;
  }

  private async succeed(job: FollowedJob, result: GenerationResult): Promise<void> {
    try {
      const images: JobImageRecord[] = [];
      for (const [index, image] of result.images.entries()) {
        const imageId = resultImageId(job.jobId, index);
        await this.options.images.put(imageId, image.png);
        images.push({ seed: image.seed, width: image.width, height: image.height, nsfw: image.nsfw, imageId });
      }
      const record = await this.saveRecord(job, (current) => ({ ...current, status: 'succeeded', finishedAt: this.now(), images }));
      const pngs = result.images.map((image) => image.png);
      await this.deliverOnce(job, (observer) =>
        observer.onSucceeded(record, pngs, { truncatedWords: result.truncatedWords, timings: result.timings, ...(result.loras === undefined ? {} : { loras: result.loras }) }),
      );
    } finally {
      this.followed.delete(job.jobId);
    }
  }

  private async fail(job: FollowedJob, failure: QueueFailure): Promise<void> {
    try {
      if (failure.unexpected) {
        this.logger.error({ err: failure.cause, jobId: job.jobId, user: job.subject.user, model: job.record.request.model, code: failure.code }, 'job failed');
      }
      const error = new UserFacingError(failure.code, failure.message, failure.details);
      if (REFUNDED.has(error.code) || (error.code === 'cancelled' && !job.started)) {
        await this.options.limiter.refund(job.subject, job.count).catch((refundError: unknown) => {
          this.logger.error({ err: refundError, jobId: job.jobId }, 'could not give back images');
        });
      }
      await this.saveRecord(job, (record) => ({
        ...record,
        status: statusFor(error.code),
        finishedAt: this.now(),
        error: { code: error.code, message: error.message },
      }));
      await this.deliverOnce(job, (observer) => observer.onFailed(error));
    } finally {
      this.followed.delete(job.jobId);
    }
  }

  /**
   * Posts the job's ending under its delivery turn (see the top of this file). A store that cannot
   * answer lets the post through: better twice than never.
   */
  private async deliverOnce(job: FollowedJob, post: (observer: JobObserver) => void | Promise<void>): Promise<void> {
    const { jobs } = this.options;
    const turn = await this.turnOf(job.jobId);
    if (turn === 'done') {
      this.logger.info({ jobId: job.jobId }, 'job already delivered; not posting it again');
      return;
    }
    const renewal = setInterval(() => {
      void jobs.renewDelivery(job.jobId, this.holder, this.leaseMs).catch((error: unknown) => this.logger.warn({ err: error, jobId: job.jobId }, 'could not renew the delivery turn'));
    }, this.leaseMs / 3);
    try {
      if (turn === 'again' && (await this.alreadyShown(job))) {
        this.logger.info({ jobId: job.jobId }, 'an earlier process posted this job before it stopped; not posting it again');
      } else {
        await this.notify(job, post);
      }
    } finally {
      clearInterval(renewal);
    }
    await jobs.finishDelivery(job.jobId, this.holder).catch((error: unknown) => this.logger.error({ err: error, jobId: job.jobId }, 'could not mark the job delivered'));
  }

  /**
   * Waits while another live process holds the turn; a dead one's lease runs out. A store that
   * cannot answer (Redis restarting) is asked again for a while, since posting without a turn may
   * post twice; only past that wait does the post go through (better twice than never).
   */
  private async turnOf(jobId: string): Promise<'first' | 'again' | 'done'> {
    const giveUpAt = Date.now() + STORE_WAIT_MS;
    let retryMs = STORE_RETRY_FIRST_MS;
    for (;;) {
      let turn: DeliveryTurn;
      try {
        turn = await this.options.jobs.takeDelivery(jobId, this.holder, this.leaseMs);
      } catch (error) {
        if (Date.now() >= giveUpAt) {
          this.logger.error({ err: error, jobId }, 'could not take the delivery turn; posting without it');
          return 'first';
        }
        this.logger.warn({ err: error, jobId, retryInMs: retryMs }, 'could not take the delivery turn; asking again');
        await sleep(retryMs);
        retryMs = Math.min(retryMs * 2, STORE_RETRY_MAX_MS);
        continue;
      }
      if (turn.turn !== 'busy') return turn.turn;
      this.logger.info({ jobId, retryInMs: turn.retryInMs }, 'another process is delivering this job; waiting for its turn to end');
      await sleep(Math.min(Math.max(turn.retryInMs, 50), this.leaseMs) + 50);
    }
  }

  private async alreadyShown(job: FollowedJob): Promise<boolean> {
    try {
      return (await job.observer?.showsEnding?.()) === true;
    } catch (error) {
      this.logger.warn({ err: error, jobId: job.jobId }, 'could not look whether the job was posted already; posting it');
      return false;
    }
  }

  /**
   * Updates the stored record (read-modify-write, so messages attached meanwhile are kept).
   * Record writes never fail a job: the user still gets the result; the log says what was lost.
   */
  private async saveRecord(job: FollowedJob, change: (record: JobRecord) => JobRecord): Promise<JobRecord> {
    try {
      job.record = (await this.options.jobs.update(job.jobId, change)) ?? change(job.record);
    } catch (error) {
      this.logger.error({ err: error, jobId: job.jobId }, 'could not update the job record');
      job.record = change(job.record);
    }
    return job.record;
  }

  /** Calls the observer without letting it throw into the job; tracked so shutdown can wait. */
  private notify(job: FollowedJob, call: (observer: JobObserver) => void | Promise<void>): Promise<void> {
    const { observer } = job;
    if (observer === undefined) return Promise.resolve();
    const logFailure = (error: unknown): void => this.logger.warn({ err: error, jobId: job.jobId }, 'job observer failed');
    let pending: Promise<void>;
    try {
      pending = Promise.resolve(call(observer)).catch(logFailure);
    } catch (error) {
      logFailure(error);
      return Promise.resolve();
    }
    this.notifications.add(pending);
    void pending.finally(() => this.notifications.delete(pending));
    return pending;
  }
}

function statusFor(code: ErrorCode): JobStatus {
  if (code === 'cancelled') return 'cancelled';
  if (code === 'interrupted') return 'interrupted';
  return 'failed';
}
