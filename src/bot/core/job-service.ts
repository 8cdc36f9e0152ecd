// The job service: between the chat adapters and the pipeline worker. It refuses what must be
// refused (bans, limits, a full queue), queues fairly, keeps the durable job record, and tells the
// adapter's observer about every step until the job ends with images or a clear reason.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GenerateRequest, InitImageSource, MaskRef, Requester } from '../../commands/generate-request.js';
import type { JobImageRecord, JobRecord, JobStatus, MessageRef } from '../../commands/job-record.js';
import { userKeyOf } from '../../commands/ports.js';
import type { AdminControls, JobRecordReader, LimitsView, QueueSnapshot, QueueView, UserKey } from '../../commands/ports.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { ErrorCode } from '../../commands/user-facing-error.js';
import type { GenerationParams, GenerationResult, MaskSource } from '../../pipeline/types.js';
import type { KeyvBanList } from './ban-list.js';
import { workUnits } from './eta-estimator.js';
import { FairQueue } from './fair-queue.js';
import type { FairQueueOptions, RunOutcome } from './fair-queue.js';
import type { ImageGenerator } from './image-generator.js';
import { FileImageStore } from './image-store.js';
import { cancelledError, interruptedError, toJobFailure } from './job-errors.js';
import type { JobFailure } from './job-errors.js';
import type { JobObserver } from './job-observer.js';
import type { KeyvJobStore } from './job-store.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { rateLimitedError } from './rate-limiter.js';
import type { RateLimitSubject, RateLimiter } from './rate-limiter.js';
import { lanczosUpscale } from './upscale.js';

/** After the grace period, aborted jobs get this long to wind down before shutdown moves on. */
const ABORT_SETTLE_MS = 15_000;
/** How long shutdown waits for adapters to deliver the last messages. */
const NOTIFY_SETTLE_MS = 5_000;
/** Endings that were not the user's doing give the images back. */
const REFUNDED: ReadonlySet<ErrorCode> = new Set(['worker_crashed', 'timed_out', 'generation_failed', 'interrupted', 'model_unavailable']);

export interface JobServiceOptions {
  readonly generator: ImageGenerator;
  readonly jobs: KeyvJobStore;
  readonly images: FileImageStore;
  readonly limiter: RateLimiter;
  readonly bans: KeyvBanList;
  /** May cancel anyone's job. (Limit bypass is the rate limiter's own list.) */
  readonly admins?: Iterable<UserKey>;
  /** Configured model names; a request for another gets model_unavailable at once. */
  readonly models?: readonly string[];
  readonly queue?: FairQueueOptions;
  /** Largest init image accepted for the plain resize, in pixels. */
  readonly maxInitPixels?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface Submission {
  readonly jobId: string;
  /** 1-based place in line; 0 when it started at once. */
  readonly position: number;
  readonly etaMs: number;
}

interface ActiveJob {
  readonly jobId: string;
  readonly user: UserKey;
  readonly subject: RateLimitSubject;
  readonly request: GenerateRequest;
  readonly observer: JobObserver;
  /** Latest known record; what observers get even if the store is failing. */
  record: JobRecord;
  started: boolean;
}

/** Why a running job's signal was aborted, when it was not a user's cancel. */
const INTERRUPT = Symbol('interrupted by shutdown');

export class JobService implements QueueView, LimitsView, AdminControls {
  private readonly queue: FairQueue;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly admins: ReadonlySet<UserKey>;
  private readonly active = new Map<string, ActiveJob>();
  /** Work outside the queue (plain resizes, saving results) that shutdown must wait for. */
  private readonly background = new Set<Promise<unknown>>();
  /** Observer calls in flight, so shutdown can let the last messages out. */
  private readonly notifications = new Set<Promise<unknown>>();
  private shuttingDown = false;

  constructor(private readonly options: JobServiceOptions) {
    this.queue = new FairQueue(options.queue);
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.admins = new Set(options.admins ?? []);
  }

  get records(): JobRecordReader {
    return this.options.jobs;
  }

  /** Jobs waiting for the worker (not counting running ones). */
  get waitingCount(): number {
    return this.queue.waitingCount;
  }

  /** When a queued or running job was accepted; kept in memory, so asking costs no store read. */
  acceptedAt(jobId: string): number | undefined {
    return this.active.get(jobId)?.record.createdAt;
  }

  /**
   * Accepts a request or rejects with a UserFacingError (paused, banned, unknown model, queue full,
   * too many pending, rate limited, missing init image). Everything after acceptance, including
   * the first place in line, goes to `observer`.
   */
  async submit(request: GenerateRequest, requester: Requester, observer: JobObserver): Promise<Submission> {
    const jobId = randomUUID();
    try {
      return await this.accept(jobId, request, requester, observer);
    } catch (error) {
      // A store that is down must not reach the adapter as a raw error.
      if (UserFacingError.is(error)) throw error;
      throw this.unexpected(error, jobId, 'could not accept the job');
    }
  }

  private async accept(jobId: string, request: GenerateRequest, requester: Requester, observer: JobObserver): Promise<Submission> {
    const user = userKeyOf(requester.platform, requester.userId);
    await this.checkIntake(request, user);
    const parentImage = await this.checkInit(request);

    const subject: RateLimitSubject = {
      user,
      ...(requester.guildId === undefined ? {} : { guild: `${requester.platform}:${requester.guildId}` }),
    };
    const decision = await this.options.limiter.take(subject, request.count);
    if (!decision.ok) throw rateLimitedError(decision, request.count);

    let job: ActiveJob;
    try {
      const stored = await this.storeUpload(request);
      const record: JobRecord = { jobId, requester, request: stored, status: 'queued', createdAt: this.now(), images: [], messages: [] };
      await this.options.jobs.put(record);
      job = { jobId, user, subject, request: stored, observer, record, started: false };
    } catch (error) {
      await this.options.limiter.refund(subject, request.count);
      throw this.unexpected(error, jobId, 'could not store the job');
    }
    this.active.set(jobId, job);

    if (request.resizeOnly === true && request.upscaler === undefined) {
      this.inBackground(this.runResize(job, parentImage?.nsfw ?? false));
      return { jobId, position: 0, etaMs: 0 };
    }

    try {
      const place = this.queue.add({
        id: jobId,
        user,
        cost: workUnits({ steps: stepsRun(request), count: request.count, width: request.width, height: request.height }),
        run: (signal) => this.run(job, signal),
        onPosition: (position, etaMs) => this.notify(job, () => observer.onPositionChange?.(position, etaMs)),
      });
      if (place.status === 'queued') this.notify(job, () => observer.onQueued?.(place.position, place.etaMs));
      return { jobId, position: place.position, etaMs: place.etaMs };
    } catch (error) {
      // The queue filled up while the limits were checked: nothing was done, give it all back.
      this.active.delete(jobId);
      await this.options.limiter.refund(subject, request.count);
      const refusal = UserFacingError.is(error) ? error : this.unexpected(error, jobId, 'could not queue the job');
      await this.saveEnding(job, 'failed', refusal);
      throw refusal;
    }
  }

  /** Records that a platform message shows this job (for reactions and buttons after a restart). */
  async attachMessage(jobId: string, ref: MessageRef): Promise<void> {
    await this.options.jobs.attachMessage(jobId, ref);
  }

  async cancel(jobId: string): Promise<boolean> {
    const job = this.active.get(jobId);
    if (job === undefined) return false;
    const outcome = this.queue.cancel(jobId);
    if (outcome === 'removed') await this.endUnstarted(job, cancelledError(jobId));
    return outcome !== undefined;
  }

  snapshot(user: UserKey): QueueSnapshot {
    return {
      running: this.queue.runningCount,
      waiting: this.queue.waitingCount,
      paused: this.queue.paused,
      mine: this.queue.jobsOf(user).map((place) => ({
        jobId: place.id,
        prompt: this.active.get(place.id)?.request.prompt ?? '',
        status: place.status,
        position: place.position,
        etaMs: place.etaMs,
      })),
    };
  }

  remaining(user: UserKey): Promise<{ images: number; capacity: number; refillMs: number }> {
    return this.options.limiter.remaining(user);
  }

  pauseIntake(): void {
    this.queue.pauseIntake();
  }

  resumeIntake(): void {
    if (!this.shuttingDown) this.queue.resumeIntake();
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
   * Stops intake, tells every waiting user their job was interrupted, lets running jobs finish
   * within `graceMs` and interrupts them after that. Resolves when nothing is left running.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    this.queue.pauseIntake();
    const waiting = this.queue.removeAllWaiting(INTERRUPT);
    await Promise.all(
      waiting.map((queued) => {
        const job = this.active.get(queued.id);
        return job === undefined ? undefined : this.endUnstarted(job, interruptedError(job.jobId, false));
      }),
    );
    const settled = this.queue.whenRunningSettled().then(() => Promise.all([...this.background]));
    const finishedInTime = await Promise.race([settled.then(() => true), sleep(graceMs).then(() => false)]);
    if (!finishedInTime) {
      this.logger.warn({ graceMs, running: this.queue.runningCount }, 'grace period over; interrupting running jobs');
      this.queue.abortRunning(INTERRUPT);
      await Promise.race([settled, sleep(ABORT_SETTLE_MS)]);
    }
    await Promise.race([Promise.allSettled([...this.notifications]), sleep(NOTIFY_SETTLE_MS)]);
  }

  private async checkIntake(request: GenerateRequest, user: UserKey): Promise<void> {
    if (this.shuttingDown) {
      throw new UserFacingError('intake_paused', 'The bot is restarting and not taking new jobs. Please try again in a minute.');
    }
    // Paused intake refuses plain resizes too, which skip the queue's other checks below.
    if (this.queue.paused) this.queue.admit(user);
    if (await this.options.bans.isBanned(user)) {
      throw new UserFacingError('banned', 'You are not allowed to make images with this bot. Ask an admin if you think this is a mistake.');
    }
    const models = this.options.models;
    if (models !== undefined && !models.includes(request.model)) {
      throw new UserFacingError('model_unavailable', `Model '${request.model}' is not available. Available: ${models.join(', ')}.`, {
        option: 'model',
        value: request.model,
        allowed: models.join(', '),
      });
    }
    if (request.resizeOnly === true && request.upscaler === undefined) {
      if (request.init === undefined) {
        throw new UserFacingError('invalid_option', 'Upscaling needs an image to upscale.', { option: 'image' });
      }
      return;
    }
    this.queue.admit(user);
  }

  /** Makes sure an init image from an earlier job or a stored upload still exists. */
  private async checkInit(request: GenerateRequest): Promise<JobImageRecord | undefined> {
    const mask = request.mask?.source;
    if (mask?.kind === 'stored' && !(await this.options.images.touch(mask.imageId))) throw expiredImage();
    const source = request.init?.source;
    if (source === undefined || source.kind === 'upload') return undefined;
    if (source.kind === 'stored') {
      if (!(await this.options.images.touch(source.imageId))) throw expiredImage();
      return undefined;
    }
    const image = (await this.options.jobs.get(source.jobId))?.images[source.imageIndex];
    if (image === undefined || !(await this.options.images.touch(image.imageId))) throw expiredImage();
    return image;
  }

  /** Uploads are written to the image store and referred to by id, so the record survives a restart. */
  private async storeUpload(request: GenerateRequest): Promise<GenerateRequest> {
    const { init, mask } = request;
    let stored = request;
    if (init?.source.kind === 'upload') {
      const imageId = FileImageStore.uploadId();
      await this.options.images.put(imageId, init.source.data);
      stored = { ...stored, init: { ...init, source: { kind: 'stored', imageId } } };
    }
    if (mask?.source.kind === 'upload') {
      const imageId = FileImageStore.uploadId();
      await this.options.images.put(imageId, mask.source.data);
      stored = { ...stored, mask: { ...mask, source: { kind: 'stored', imageId } } };
    }
    return stored;
  }

  /**
   * Runs one queued job. The worker is the scarce resource: the record write of the start and
   * the saving of the results happen beside it, so the next job starts as soon as this one's
   * images are back.
   */
  private async run(job: ActiveJob, signal: AbortSignal): Promise<RunOutcome> {
    const { jobId, request, observer } = job;
    try {
      this.markStarted(job);
      const params = await this.paramsOf(request);
      const result = await this.options.generator.generate(
        { jobId, model: request.model, params },
        {
          signal,
          onProgress: (progress) => {
            this.queue.progress(jobId, progress.step / progress.total);
            this.notify(job, () => observer.onProgress?.(progress.step, progress.total, progress.preview));
          },
        },
      );
      this.inBackground(this.succeed(job, result).finally(() => this.active.delete(jobId)));
      return 'succeeded';
    } catch (error) {
      const interrupted = signal.aborted && signal.reason === INTERRUPT;
      const failure = toJobFailure(interrupted ? interruptedError(jobId, true) : error, jobId);
      this.inBackground(this.fail(job, error, failure).finally(() => this.active.delete(jobId)));
      return failure.error.code === 'cancelled' ? 'cancelled' : 'failed';
    }
  }

  private async runResize(job: ActiveJob, nsfw: boolean): Promise<void> {
    try {
      this.markStarted(job);
      const source = job.request.init?.source;
      if (source === undefined) throw new UserFacingError('invalid_option', 'Upscaling needs an image to upscale.', { option: 'image' });
      const started = this.now();
      const resized = await lanczosUpscale(await this.imageBytes(source), this.options.maxInitPixels);
      await this.succeed(job, {
        images: [{ ...resized, seed: job.request.seed, nsfw }],
        model: job.request.model,
        truncatedWords: [],
        timings: { totalMs: this.now() - started, textEncodeMs: 0, denoiseMs: 0, decodeMs: 0, msPerStep: 0 },
      });
    } catch (error) {
      await this.fail(job, error, toJobFailure(error, job.jobId));
    } finally {
      this.active.delete(job.jobId);
    }
  }

  /** Not awaited: the per-job lock in the store keeps this write ahead of the job's ending. */
  private markStarted(job: ActiveJob): void {
    job.started = true;
    const startedAt = this.now();
    this.inBackground(this.saveRecord(job, (record) => ({ ...record, status: 'running', startedAt })));
    this.notify(job, () => job.observer.onStarted?.());
  }

  private inBackground(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.logger.error({ err: error }, 'background job work failed'));
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  private async succeed(job: ActiveJob, result: GenerationResult): Promise<void> {
    const images: JobImageRecord[] = [];
    for (const [index, image] of result.images.entries()) {
      const imageId = FileImageStore.resultId(job.jobId, index);
      await this.options.images.put(imageId, image.png);
      images.push({ seed: image.seed, width: image.width, height: image.height, nsfw: image.nsfw, imageId });
    }
    const record = await this.saveRecord(job, (current) => ({ ...current, status: 'succeeded', finishedAt: this.now(), images }));
    const pngs = result.images.map((image) => image.png);
    this.notify(job, () => job.observer.onSucceeded(record, pngs, { truncatedWords: result.truncatedWords, timings: result.timings }));
  }

  private async fail(job: ActiveJob, error: unknown, failure: JobFailure): Promise<JobStatus> {
    if (failure.unexpected) {
      this.logger.error({ err: error, jobId: job.jobId, user: job.user, model: job.request.model }, 'job failed');
    }
    return this.end(job, failure.error);
  }

  /** A job that never ran: removed from the queue by a cancel or by shutdown. */
  private async endUnstarted(job: ActiveJob, error: UserFacingError): Promise<void> {
    this.active.delete(job.jobId);
    await this.end(job, error);
  }

  private async end(job: ActiveJob, error: UserFacingError): Promise<JobStatus> {
    const status = statusFor(error.code);
    const refund = REFUNDED.has(error.code) || (error.code === 'cancelled' && !job.started);
    if (refund) {
      try {
        await this.options.limiter.refund(job.subject, job.request.count);
      } catch (refundError) {
        this.logger.error({ err: refundError, jobId: job.jobId }, 'could not refund images');
      }
    }
    await this.saveEnding(job, status, error);
    this.notify(job, () => job.observer.onFailed(error));
    return status;
  }

  private saveEnding(job: ActiveJob, status: JobStatus, error: UserFacingError): Promise<JobRecord> {
    return this.saveRecord(job, (record) => ({
      ...record,
      status,
      finishedAt: this.now(),
      error: { code: error.code, message: error.message },
    }));
  }

  /**
   * Updates the stored record (read-modify-write, so messages attached meanwhile are kept).
   * Record writes never fail a job: the user still gets the result; the log says what was lost.
   */
  private async saveRecord(job: ActiveJob, change: (record: JobRecord) => JobRecord): Promise<JobRecord> {
    try {
      job.record = (await this.options.jobs.update(job.jobId, change)) ?? change(job.record);
    } catch (error) {
      this.logger.error({ err: error, jobId: job.jobId }, 'could not update the job record');
      job.record = change(job.record);
    }
    return job.record;
  }

  private async paramsOf(request: GenerateRequest): Promise<GenerationParams> {
    const init = request.init;
    return {
      prompt: request.prompt,
      negativePrompt: request.negativePrompt,
      seed: request.seed,
      numInferenceSteps: request.numInferenceSteps,
      guidanceScale: request.guidanceScale,
      sampler: request.sampler,
      width: request.width,
      height: request.height,
      count: request.count,
      ...(request.clipSkip === undefined ? {} : { clipSkip: request.clipSkip }),
      // A resize-only upscale with an upscaler model runs the model alone: strength 0, no diffusion pass.
      ...(init === undefined ? {} : { init: { data: await this.imageBytes(init.source), strength: request.resizeOnly === true ? 0 : init.strength } }),
      ...(request.hires === undefined ? {} : { hires: request.hires }),
      ...(request.upscaler === undefined ? {} : { upscaler: request.upscaler }),
      ...(request.mask === undefined ? {} : { mask: { source: await this.maskSource(request.mask.source), blur: request.mask.blur } }),
      ...(request.outpaint === undefined ? {} : { outpaint: request.outpaint }),
    };
  }

  private async maskSource(source: MaskRef): Promise<MaskSource> {
    if (source.kind === 'region') return source;
    return { kind: 'image', data: await this.imageBytes(source) };
  }

  private async imageBytes(source: InitImageSource): Promise<Uint8Array> {
    switch (source.kind) {
      case 'upload':
        return source.data;
      case 'stored':
        return (await this.options.images.get(source.imageId)) ?? Promise.reject(expiredImage());
      case 'result': {
        const image = (await this.options.jobs.get(source.jobId))?.images[source.imageIndex];
        const bytes = image === undefined ? undefined : await this.options.images.get(image.imageId);
        return bytes ?? Promise.reject(expiredImage());
      }
      default: {
        const unknown: never = source;
        throw new Error(`unknown init image source ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Calls an observer without letting it throw into the job; tracked so shutdown can wait. */
  private notify(job: ActiveJob, call: () => void | Promise<void>): void {
    const logFailure = (error: unknown): void =>
      this.logger.warn({ err: error, jobId: job.jobId }, 'job observer failed');
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(call()).catch(logFailure);
    } catch (error) {
      logFailure(error);
      return;
    }
    this.notifications.add(pending);
    void pending.finally(() => this.notifications.delete(pending));
  }

  private unexpected(error: unknown, jobId: string, what: string): UserFacingError {
    this.logger.error({ err: error, jobId }, what);
    return toJobFailure(error, jobId).error;
  }
}

/** Steps the denoiser actually runs: img2img skips the first (1 − strength) of them. */
function stepsRun(request: GenerateRequest): number {
  const strength = request.init?.strength;
  return strength === undefined ? request.numInferenceSteps : Math.max(1, Math.floor(request.numInferenceSteps * strength));
}

function statusFor(code: ErrorCode): JobStatus {
  if (code === 'cancelled') return 'cancelled';
  if (code === 'interrupted') return 'interrupted';
  return 'failed';
}

function expiredImage(): UserFacingError {
  return new UserFacingError('not_found', 'The image this job starts from has expired or was deleted. Start from a new image.', {
    option: 'image',
  });
}
