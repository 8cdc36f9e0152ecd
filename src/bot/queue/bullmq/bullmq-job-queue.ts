// The `redis` backend of the JobQueue port: BullMQ queues (one per model) that worker hosts take
// from, a shared ledger for fairness, caps, positions and ETAs, and QueueEvents back to this bot.
// Each bot delivers only the jobs it took (its owner name), so several bots may share one Redis;
// counts, positions and caps see every job. Nothing lives only in this process: after a restart,
// start() picks up this bot's open jobs where they are, and results that came in meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { UserKey } from '../../../commands/ports.js';
import { messages } from '../../../commands/messages.js';
import type { GenerationResult } from '../../../pipeline/types.js';
import { EtaEstimator } from '../../core/eta-estimator.js';
import { cancelledError, toJobFailure } from '../../core/job-errors.js';
import type { Logger } from '../../core/logger.js';
import type {
  Admission,
  JobPlace,
  JobQueue,
  JobQueueEvent,
  JobQueueListener,
  QueueCaps,
  QueueCounts,
  QueueFailure,
  QueueJob,
  ResumedJob,
} from '../../core/ports/job-queue.js';
import { lanczosUpscale } from '../../core/upscale.js';
import { QueueLedger } from './queue-ledger.js';
import { deleteResultImages, readResultImages } from './result-images.js';
import { CANCEL_CHANNEL, KEY_PREFIX, queueName } from './redis-names.js';
import { decodeFailure, decodePreview, encodeParams, parseProgress, parseResult } from './wire-job.js';
import type { WireJobData } from './wire-job.js';
import { listWorkers } from './worker-registry.js';

/** BullMQ's reason when a job was lost with its worker more often than allowed. */
const STALLED_TOO_OFTEN = /stalled more than allowable limit/i;
/** Below this change an ETA is not worth a message edit. */
const ETA_MIN_CHANGE_MS = 2_000;
const ETA_MIN_CHANGE_RATIO = 0.2;
/** Handing an ending over again after a failure (the state store restarting): how often, how far apart. */
const FINISH_TRIES = 8;
const FINISH_RETRY_FIRST_MS = 500;
const FINISH_RETRY_MAX_MS = 8_000;
/** Live workers are read at most this often for ETAs. */
const WORKERS_CACHE_MS = 2_000;

export interface BullmqJobQueueOptions {
  readonly redisUrl: string;
  /** This bot's name: it delivers the jobs it took, and after a restart finds them by it. */
  readonly owner: string;
  /** Configured models: one queue each. */
  readonly models: readonly string[];
  readonly logger: Logger;
  readonly maxInitPixels?: number;
  readonly now?: () => number;
}

interface Followed {
  readonly jobId: string;
  readonly user: UserKey;
  readonly model: string;
  readonly cost: number;
  attempt: number;
  startedAt?: number;
  fraction: number;
  lastPosition: number;
  lastEtaMs: number;
}

export class BullmqJobQueue implements JobQueue {
  private readonly redis: Redis;
  private readonly ledger: QueueLedger;
  private readonly queues = new Map<string, Queue>();
  private readonly events: QueueEvents[] = [];
  private readonly followed = new Map<string, Followed>();
  /** Endings being handled, so one heard twice (event and resume scan) is handled once. */
  private readonly ending = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly estimator = new EtaEstimator();
  private readonly now: () => number;
  private listener: JobQueueListener = () => undefined;
  private workersCache: { at: number; slots: number } | undefined;
  private positionsRunning = false;
  private positionsAgain = false;
  private closed = false;

  constructor(private readonly options: BullmqJobQueueOptions) {
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.redis.on('error', (error: unknown) => options.logger.warn({ err: error }, 'redis connection error'));
    this.ledger = new QueueLedger(this.redis);
    this.now = options.now ?? Date.now;
    for (const model of options.models) {
      this.queues.set(model, new Queue(queueName(model), { connection: this.redis, prefix: KEY_PREFIX }));
    }
  }

  async start(listener: JobQueueListener): Promise<readonly ResumedJob[]> {
    this.listener = listener;
    for (const model of this.options.models) {
      const connection = this.redis.duplicate();
      connection.on('error', () => undefined); // reported once, by the main connection
      const events = new QueueEvents(queueName(model), { connection, prefix: KEY_PREFIX });
      events.on('error', (error) => this.options.logger.warn({ err: error, model }, 'queue events connection error'));
      events.on('active', ({ jobId }) => this.onActive(jobId));
      events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data));
      events.on('completed', ({ jobId, returnvalue }) => this.track(this.finish(jobId, { returnvalue })));
      events.on('failed', ({ jobId, failedReason }) => this.track(this.finish(jobId, { failedReason })));
      events.on('stalled', ({ jobId }) => this.onStalled(jobId));
      events.on('waiting', () => this.refreshPositions());
      this.events.push(events);
    }
    // Listen first, then look: an ending heard both ways is handled once.
    await Promise.all(this.events.map((events) => events.waitUntilReady()));
    return this.resume();
  }

  async submit(job: QueueJob, caps: QueueCaps): Promise<Admission> {
    const admission = await this.ledger.admit(job.jobId, { user: job.user, model: job.model, cost: job.cost, owner: this.options.owner }, caps);
    if (!admission.ok) {
      return admission.reason === 'queue_full'
        ? { accepted: false, reason: 'queue_full', retryAfterMs: Math.round(await this.etaOfRank(0)) /* until the first in line starts and frees a place */ }
        : admission.reason === 'too_many_pending'
          ? { accepted: false, reason: 'too_many_pending', pending: admission.count }
          : { accepted: false, reason: 'intake_paused' };
    }
    // Its place is known from the admission: the queue's own 'waiting' event for it tells no news.
    const followed: Followed = { jobId: job.jobId, user: job.user, model: job.model, cost: job.cost, attempt: 1, fraction: 0, lastPosition: admission.position, lastEtaMs: 0 };
    this.followed.set(job.jobId, followed);
    try {
      if (job.work.kind === 'resize') {
        // A plain resize needs no model: it runs here, at once, as the local backend does.
        await this.ledger.start(job.jobId, admission.round);
        this.track(this.resize(job, job.work));
        return { accepted: true, round: admission.round, place: { status: 'running', position: 0, etaMs: 0 } };
      }
      const queue = this.queueFor(job.model);
      const data: WireJobData = {
        jobId: job.jobId,
        model: job.model,
        params: encodeParams(job.work.job.params),
        user: job.user,
        owner: this.options.owner,
        round: admission.round,
        cost: job.cost,
        enqueuedAt: this.now(),
      };
      await queue.add('generate', data, { jobId: job.jobId, priority: admission.round, attempts: 1, removeOnComplete: false, removeOnFail: false });
    } catch (error) {
      this.followed.delete(job.jobId);
      await this.ledger.release(job.jobId, job.user).catch(() => undefined);
      throw error;
    }
    const etaMs = await this.etaOfRank(admission.position - 1);
    followed.lastEtaMs = etaMs;
    // The others' places: the 'waiting' event of this add refreshes them (a new first-round job goes ahead of later rounds).
    return { accepted: true, round: admission.round, place: { status: 'queued', position: admission.position, etaMs } };
  }

  async counts(user: UserKey): Promise<QueueCounts> {
    const [{ waiting, running }, pending, runningIds, paused] = await Promise.all([
      this.ledger.counts(),
      this.ledger.pendingOf(user),
      this.ledger.running(),
      this.ledger.isPaused(),
    ]);
    const runningSet = new Set(runningIds);
    const waitingOfUser = pending.filter((jobId) => !runningSet.has(jobId)).length;
    const nextStartMs = waiting === 0 ? 0 : await this.etaOfRank(0);
    return { waiting, running, waitingOfUser, pendingOfUser: pending.length, paused, nextStartMs };
  }

  async placeOf(jobId: string): Promise<JobPlace | undefined> {
    if (await this.ledger.isRunning(jobId)) return { status: 'running', position: 0, etaMs: await this.remainingOf(jobId) };
    const rank = await this.ledger.waitingRank(jobId);
    return rank === undefined ? undefined : { status: 'queued', position: rank + 1, etaMs: await this.etaOfRank(rank) };
  }

  async jobsOf(user: UserKey): Promise<ReadonlyArray<{ readonly jobId: string } & JobPlace>> {
    const places = await Promise.all((await this.ledger.pendingOf(user)).map(async (jobId) => ({ jobId, place: await this.placeOf(jobId) })));
    const known = places.flatMap(({ jobId, place }) => (place === undefined ? [] : [{ jobId, ...place }]));
    return known.sort((a, b) => (a.status === b.status ? a.position - b.position : a.status === 'running' ? -1 : 1));
  }

  async cancel(jobId: string): Promise<'removed' | 'aborted' | undefined> {
    const meta = await this.ledger.meta(jobId);
    if (meta === undefined || this.ending.has(jobId)) return undefined;
    const job = await this.queueFor(meta.model).getJob(jobId);
    const state = job === undefined ? 'unknown' : await job.getState();
    if (state === 'completed' || state === 'failed') return undefined;
    if (state !== 'active' && !(await this.ledger.isRunning(jobId))) {
      // remove() refuses a job a worker has locked: it has just started, so abort it instead.
      const removed = job === undefined ? true : await job.remove().then(
        () => true,
        () => false,
      );
      if (removed) {
        this.track(this.endWith(jobId, meta.user, { type: 'failed', jobId, failure: failureFrom(toJobFailure(cancelledError(jobId), jobId)) }));
        return 'removed';
      }
    }
    await this.redis.publish(CANCEL_CHANNEL, jobId);
    return 'aborted';
  }

  pauseIntake(): Promise<void> {
    return this.ledger.setPaused(true);
  }

  resumeIntake(): Promise<void> {
    return this.ledger.setPaused(false);
  }

  /**
   * The jobs run on the worker hosts, not here: closing only stops listening. Jobs in flight stay
   * in Redis and this bot finds them again on its next start. `graceMs` bounds the wait for
   * deliveries already under way.
   */
  async close(graceMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.events.map((events) => events.close()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.background]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.redis.disconnect();
  }

  /** Live worker hosts as seen in Redis (for /healthz, metrics and ETAs). */
  workers(): ReturnType<typeof listWorkers> {
    return listWorkers(this.redis);
  }

  /** Waiting jobs per model, over the whole cluster. */
  async waitingByModel(): Promise<Record<string, number>> {
    const byModel: Record<string, number> = {};
    for (const [model, queue] of this.queues) byModel[model] = await queue.getWaitingCount().then(async (waiting) => waiting + (await queue.getPrioritizedCount()));
    return byModel;
  }

  /** Jobs taken over from a lost worker since Redis was set up. */
  stalledRetries(): Promise<number> {
    return this.ledger.stalls();
  }

  /**
   * This bot's open jobs, in their order of arrival. The worker hosts went on while the bot was
   * down: a job running now is told as started (this process never said so), and a job finished
   * meanwhile gets its ending.
   */
  private async resume(): Promise<ResumedJob[]> {
    const resumed: ResumedJob[] = [];
    const open = [...(await this.ledger.openJobs())].filter(([, meta]) => meta.owner === this.options.owner);
    const scores = await this.ledger.scores(open.map(([jobId]) => jobId));
    open.sort(([a], [b]) => (scores.get(a) ?? 0) - (scores.get(b) ?? 0));
    for (const [jobId, meta] of open) {
      const { user } = meta;
      this.followed.set(jobId, { jobId, user, model: meta.model, cost: meta.cost, attempt: 1, fraction: 0, lastPosition: 0, lastEtaMs: 0 });
      const job = await this.queueFor(meta.model).getJob(jobId);
      if (job === undefined) {
        // Lost with Redis data (no append-only file) or removed by hand: say so rather than wait forever.
        this.track(this.endWith(jobId, user, { type: 'failed', jobId, failure: lostFailure(jobId) }));
        continue;
      }
      const state = await job.getState();
      resumed.push({ jobId, user, wasRunning: state === 'active' });
      // A worker lost while no bot was up: the job was taken over, and its user hears it now.
      if (job.stalledCounter > 0 && state !== 'completed' && state !== 'failed') this.onStalled(jobId, 1 + job.stalledCounter);
      // A finished one goes straight to its ending: a "started" now would edit a message that may
      // already show the result (posted just before the restart), and nothing would put it back.
      if (state === 'active') this.onActive(jobId);
      if (state === 'completed') this.track(this.finish(jobId, { returnvalue: job.returnvalue }));
      else if (state === 'failed') this.track(this.finish(jobId, { failedReason: job.failedReason }));
    }
    this.refreshPositions();
    return resumed;
  }

  private onActive(jobId: string): void {
    const followed = this.followed.get(jobId);
    if (followed !== undefined) {
      followed.startedAt = this.now();
      followed.fraction = 0;
      this.emit({ type: 'started', jobId, attempt: followed.attempt });
    }
    this.refreshPositions();
  }

  private onProgress(jobId: string, data: unknown): void {
    const followed = this.followed.get(jobId);
    const progress = parseProgress(data);
    if (followed === undefined || progress === undefined) return;
    followed.fraction = progress.step / progress.total;
    const preview = decodePreview(progress);
    this.emit({ type: 'progress', jobId, step: progress.step, total: progress.total, ...(preview === undefined ? {} : { preview }) });
  }

  /** The job runs again on another worker; `attempt` is the run now due (counted by BullMQ after a restart). */
  private onStalled(jobId: string, attempt?: number): void {
    const followed = this.followed.get(jobId);
    if (followed === undefined) return;
    followed.attempt = attempt ?? followed.attempt + 1;
    followed.fraction = 0;
    followed.startedAt = undefined; // back in line until another worker takes it
    this.emit({ type: 'restarted', jobId, attempt: followed.attempt, reason: 'stalled' });
    this.refreshPositions();
  }

  private async finish(jobId: string, outcome: { returnvalue?: unknown; failedReason?: string }, tries = 1): Promise<void> {
    const followed = this.followed.get(jobId);
    if (followed === undefined || this.ending.has(jobId)) return;
    this.ending.add(jobId);
    let retry = false;
    try {
      if (outcome.failedReason !== undefined) {
        await this.endWith(jobId, followed.user, { type: 'failed', jobId, failure: this.failureOf(jobId, outcome.failedReason) });
        return;
      }
      const wire = parseResult(typeof outcome.returnvalue === 'string' ? JSON.parse(outcome.returnvalue) : outcome.returnvalue);
      const keys = wire.images.map((image) => image.key);
      const pngs = await readResultImages(this.redis, keys);
      if (pngs === undefined) {
        await this.endWith(jobId, followed.user, { type: 'failed', jobId, failure: lostFailure(jobId) });
        return;
      }
      if (followed.startedAt !== undefined) this.estimator.record(followed.cost, this.now() - followed.startedAt);
      const result: GenerationResult = {
        images: wire.images.map((image, index) => ({ png: pngs[index] ?? new Uint8Array(), seed: image.seed, width: image.width, height: image.height, nsfw: image.nsfw })),
        timings: wire.timings,
        truncatedWords: wire.truncatedWords,
        model: wire.model,
      };
      await this.endWith(jobId, followed.user, { type: 'completed', jobId, result });
      await deleteResultImages(this.redis, keys);
    } catch (error) {
      // Most often the state store is away (Redis restarting): the job stays open, so try again
      // in a while rather than leave its message waiting for the next start.
      retry = !this.closed && tries < FINISH_TRIES;
      this.options.logger.error({ err: error, jobId, willRetry: retry }, 'could not hand over the end of a job');
    } finally {
      // Handled (or to be found again on the next start): a later duplicate finds no followed job.
      this.ending.delete(jobId);
    }
    if (retry) {
      await sleep(Math.min(FINISH_RETRY_FIRST_MS * 2 ** (tries - 1), FINISH_RETRY_MAX_MS));
      if (!this.closed) await this.finish(jobId, outcome, tries + 1);
    }
  }

  /** Hands the ending to the listener, and only then forgets the job everywhere. */
  private async endWith(jobId: string, user: UserKey, event: JobQueueEvent): Promise<void> {
    await this.ledger.leaveLine(jobId);
    await this.listener(event);
    const model = this.followed.get(jobId)?.model;
    this.followed.delete(jobId);
    await this.ledger.release(jobId, user);
    // The finished job has served its purpose: keep Redis small.
    if (model !== undefined) await this.queueFor(model).remove(jobId).catch(() => undefined);
    this.refreshPositions();
  }

  private async resize(job: QueueJob, work: Extract<QueueJob['work'], { kind: 'resize' }>): Promise<void> {
    this.emit({ type: 'started', jobId: job.jobId, attempt: 1 });
    const started = this.now();
    try {
      const resized = await lanczosUpscale(work.image, this.options.maxInitPixels);
      const totalMs = this.now() - started;
      const result: GenerationResult = {
        images: [{ png: resized.png, seed: work.seed, width: resized.width, height: resized.height, nsfw: work.nsfw }],
        timings: { totalMs, textEncodeMs: 0, denoiseMs: 0, decodeMs: totalMs, msPerStep: 0 },
        truncatedWords: [],
        model: work.model,
      };
      await this.endWith(job.jobId, job.user, { type: 'completed', jobId: job.jobId, result });
    } catch (error) {
      this.options.logger.warn({ err: error, jobId: job.jobId }, 'resize failed');
      const failure = failureFrom(toJobFailure(error, job.jobId));
      await this.endWith(job.jobId, job.user, { type: 'failed', jobId: job.jobId, failure: { ...failure, cause: String(error) } });
    }
  }

  private failureOf(jobId: string, reason: string): QueueFailure {
    const workerError = decodeFailure(reason, jobId);
    if (workerError !== undefined) return { ...failureFrom(toJobFailure(workerError, jobId)), cause: reason };
    if (STALLED_TOO_OFTEN.test(reason)) {
      return { code: 'worker_crashed', message: messages.errors.workerLostTwice(jobId), details: { jobId }, unexpected: true, cause: reason };
    }
    return { ...failureFrom(toJobFailure(new Error(reason), jobId)), cause: reason };
  }

  private emit(event: JobQueueEvent): void {
    try {
      const pending = this.listener(event);
      if (pending !== undefined) this.track(Promise.resolve(pending));
    } catch (error) {
      this.options.logger.warn({ err: error, jobId: event.jobId }, 'job queue listener failed');
    }
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.options.logger.warn({ err: error }, 'job queue task failed'));
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  private queueFor(model: string): Queue {
    const known = this.queues.get(model);
    if (known !== undefined) return known;
    const queue = new Queue(queueName(model), { connection: this.redis, prefix: KEY_PREFIX });
    this.queues.set(model, queue);
    return queue;
  }

  /** Jobs run at once over all live workers (at least one, so an ETA exists before any registers). */
  private async workerSlots(): Promise<number> {
    const cached = this.workersCache;
    if (cached !== undefined && this.now() - cached.at < WORKERS_CACHE_MS) return cached.slots;
    const workers = await listWorkers(this.redis).catch(() => []);
    const slots = Math.max(1, workers.reduce((sum, worker) => sum + worker.concurrency, 0));
    this.workersCache = { at: this.now(), slots };
    return slots;
  }

  /**
   * ETAs for the whole waiting line from one read of the ledger: the work running now plus the
   * work ahead of each place, over the live workers' slots.
   */
  private async waitingEtas(): Promise<{ order: string[]; etaMs: number[] }> {
    const [order, running, open, slots] = await Promise.all([this.ledger.waitingOrder(), this.ledger.running(), this.ledger.openJobs(), this.workerSlots()]);
    const costOf = (jobId: string): number => this.followed.get(jobId)?.cost ?? open.get(jobId)?.cost ?? 0;
    let work = running.reduce((sum, jobId) => sum + this.estimator.durationOf(costOf(jobId)) * (1 - (this.followed.get(jobId)?.fraction ?? 0.5)), 0);
    const etaMs = order.map((jobId) => {
      const eta = work / slots;
      work += this.estimator.durationOf(costOf(jobId));
      return eta;
    });
    return { order, etaMs };
  }

  private async remainingOf(jobId: string): Promise<number> {
    const followed = this.followed.get(jobId);
    const cost = followed?.cost ?? (await this.ledger.meta(jobId))?.cost ?? 0;
    return this.estimator.durationOf(cost) * (1 - (followed?.fraction ?? 0.5));
  }

  /** Until the waiting job at 0-based `rank` starts. */
  private async etaOfRank(rank: number): Promise<number> {
    const { etaMs } = await this.waitingEtas();
    return etaMs[Math.min(rank, etaMs.length - 1)] ?? 0;
  }

  /**
   * Tells this bot's waiting jobs their new place. A bot with no job waiting has no place to tell
   * and reads nothing. One read of the line runs at a time; queue events that come meanwhile
   * make one more read after it, so a burst of events costs two reads, not one each.
   */
  private refreshPositions(): void {
    if (this.closed || !this.hasWaitingJob()) return;
    if (this.positionsRunning) {
      this.positionsAgain = true;
      return;
    }
    this.positionsRunning = true;
    this.track(
      (async () => {
        try {
          do {
            this.positionsAgain = false;
            await Promise.resolve(); // events heard in the same tick share this read
            await this.tellPositions();
          } while (this.positionsAgain && !this.closed);
        } finally {
          this.positionsRunning = false;
        }
      })(),
    );
  }

  private async tellPositions(): Promise<void> {
    const { order, etaMs: etas } = await this.waitingEtas();
    for (const [index, jobId] of order.entries()) {
      const followed = this.followed.get(jobId);
      if (followed === undefined) continue;
      const position = index + 1;
      const etaMs = etas[index] ?? 0;
      const etaMoved = Math.abs(etaMs - followed.lastEtaMs) >= Math.max(ETA_MIN_CHANGE_MS, followed.lastEtaMs * ETA_MIN_CHANGE_RATIO);
      if (position === followed.lastPosition && !etaMoved) continue;
      followed.lastPosition = position;
      followed.lastEtaMs = etaMs;
      this.emit({ type: 'position', jobId, position, etaMs });
    }
  }

  /** Whether a job this bot follows waits for a worker (not started, or put back after a loss). */
  private hasWaitingJob(): boolean {
    for (const followed of this.followed.values()) if (followed.startedAt === undefined) return true;
    return false;
  }
}

function failureFrom(failure: ReturnType<typeof toJobFailure>): QueueFailure {
  return { code: failure.error.code, message: failure.error.message, details: failure.error.details, unexpected: failure.unexpected };
}

function lostFailure(jobId: string): QueueFailure {
  return { code: 'generation_failed', message: messages.errors.resultLost(jobId), details: { jobId }, unexpected: true };
}
