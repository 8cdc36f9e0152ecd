// The job queue in front of the pipeline worker. p-queue limits concurrency; fairness comes from
// priorities: every job gets a round, one past its owner's previous job and never before the
// round now being served, so a user's second job waits behind everyone else's first. Within a
// round, arrival order decides. Every waiting job knows its place and an ETA, and hears when
// either changes.
import PQueue from 'p-queue';
import type { UserKey } from '../../commands/ports.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import { EtaEstimator } from './eta-estimator.js';
import { messages } from '../../commands/messages.js';

export const DEFAULT_CONCURRENCY = 1;
export const DEFAULT_MAX_QUEUE_LENGTH = 50;
export const DEFAULT_MAX_PENDING_PER_USER = 2;
/** Below this change an ETA is not worth a message edit. */
const ETA_MIN_CHANGE_MS = 2_000;
const ETA_MIN_CHANGE_RATIO = 0.2;

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';

export interface QueuedJob {
  readonly id: string;
  readonly user: UserKey;
  /** Work units (see workUnits); the ETA is units × recent ms per unit. */
  readonly cost: number;
  /** Does the work. Only 'succeeded' runs teach the ETA estimator. */
  run(signal: AbortSignal): Promise<RunOutcome>;
  /** The job's place in line (1-based) or its ETA changed noticeably. */
  onPosition?(position: number, etaMs: number): void;
}

export interface FairQueueOptions {
  /** Jobs running at once (per worker); 1 for one GPU. */
  readonly concurrency?: number;
  /** Waiting jobs beyond which new ones get `queue_full`. */
  readonly maxLength?: number;
  /** Queued plus running jobs one user may have. */
  readonly maxPendingPerUser?: number;
  readonly estimator?: EtaEstimator;
  readonly now?: () => number;
}

export interface JobPlace {
  readonly status: 'queued' | 'running';
  /** 1-based place in line; 0 while running. */
  readonly position: number;
  /** Until it starts (queued) or finishes (running). */
  readonly etaMs: number;
}

interface Entry {
  readonly job: QueuedJob;
  readonly round: number;
  readonly seq: number;
  /** Aborts the job while it waits (p-queue drops it). */
  readonly dequeue: AbortController;
  /** Aborts the job while it runs (the job's own signal). */
  readonly abort: AbortController;
  readonly done: Promise<void>;
  finish: () => void;
  startedAt?: number;
  fraction: number;
  lastPosition: number;
  lastEtaMs: number;
}

export class FairQueue {
  private readonly queue: PQueue;
  private readonly concurrency: number;
  private readonly maxLength: number;
  private readonly maxPendingPerUser: number;
  private readonly now: () => number;
  readonly estimator: EtaEstimator;

  /** Waiting jobs in the order p-queue will start them: by round, then arrival. */
  private readonly waiting: Entry[] = [];
  private readonly running = new Map<string, Entry>();
  private readonly lastRound = new Map<UserKey, number>();
  private servingRound = 0;
  private nextSeq = 0;
  private intakePaused = false;

  constructor(options: FairQueueOptions = {}) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.maxLength = options.maxLength ?? DEFAULT_MAX_QUEUE_LENGTH;
    this.maxPendingPerUser = options.maxPendingPerUser ?? DEFAULT_MAX_PENDING_PER_USER;
    this.estimator = options.estimator ?? new EtaEstimator();
    this.now = options.now ?? Date.now;
    this.queue = new PQueue({ concurrency: this.concurrency });
  }

  get paused(): boolean {
    return this.intakePaused;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  pauseIntake(): void {
    this.intakePaused = true;
  }

  resumeIntake(): void {
    this.intakePaused = false;
  }

  /** Throws the refusal `add` would give this user now, without queueing anything. */
  admit(user: UserKey): void {
    if (this.intakePaused) {
      throw new UserFacingError('intake_paused', 'The queue is not taking new jobs right now. Please try again later.');
    }
    const pending = this.pendingOf(user);
    if (pending >= this.maxPendingPerUser) {
      throw new UserFacingError(
        'too_many_pending',
        `You already have ${pending} jobs queued or running (at most ${this.maxPendingPerUser}). Wait for one to finish, or cancel one.`,
      );
    }
    if (this.waiting.length >= this.maxLength) {
      const retryAfterMs = Math.round(this.waitingEta(0));
      throw new UserFacingError(
        'queue_full',
        `The queue is full (${this.maxLength} jobs waiting). Try again in about ${messages.formatDuration(retryAfterMs)}.`,
        { retryAfterMs },
      );
    }
  }

  /** Queues a job (or starts it at once) and returns its place; throws the refusals of `admit`. */
  add(job: QueuedJob): JobPlace {
    this.admit(job.user);
    if (this.running.has(job.id) || this.waiting.some((entry) => entry.job.id === job.id)) {
      throw new Error(`job ${job.id} is already queued`);
    }
    const round = Math.max(this.servingRound, (this.lastRound.get(job.user) ?? -1) + 1);
    this.lastRound.set(job.user, round);
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const entry: Entry = {
      job,
      round,
      seq: this.nextSeq++,
      dequeue: new AbortController(),
      abort: new AbortController(),
      done,
      finish,
      fraction: 0,
      lastPosition: 0,
      lastEtaMs: 0,
    };
    this.insertWaiting(entry);
    this.queue
      .add(() => this.start(entry), { priority: -round, id: job.id, signal: entry.dequeue.signal })
      .catch(() => undefined); // dequeued by cancel(); already handled there
    const place = this.placeOf(job.id) ?? { status: 'running', position: 0, etaMs: this.estimator.durationOf(job.cost) };
    entry.lastPosition = place.position;
    entry.lastEtaMs = place.etaMs;
    this.notifyPositions(entry);
    return place;
  }

  /** Removes a waiting job or aborts a running one; undefined when the id is not here. */
  cancel(id: string, reason?: unknown): 'removed' | 'aborted' | undefined {
    const running = this.running.get(id);
    if (running !== undefined) {
      running.abort.abort(reason);
      return 'aborted';
    }
    const index = this.waiting.findIndex((entry) => entry.job.id === id);
    const entry = this.waiting[index];
    if (entry === undefined) return undefined;
    this.waiting.splice(index, 1);
    entry.dequeue.abort(reason);
    this.forgetUserIfIdle(entry.job.user);
    entry.finish();
    this.notifyPositions();
    return 'removed';
  }

  /** Takes every waiting job out of the queue (for shutdown) and returns them in order. */
  removeAllWaiting(reason?: unknown): QueuedJob[] {
    const removed = [...this.waiting];
    for (const entry of removed) this.cancel(entry.job.id, reason);
    return removed.map((entry) => entry.job);
  }

  /** Aborts every running job with `reason`. */
  abortRunning(reason?: unknown): void {
    for (const entry of this.running.values()) entry.abort.abort(reason);
  }

  /** Resolves when no job is running (waiting ones may remain). */
  async whenRunningSettled(): Promise<void> {
    await Promise.all([...this.running.values()].map((entry) => entry.done));
  }

  /** A running job's progress, 0..1, for sharper ETAs of the jobs behind it. */
  progress(id: string, fraction: number): void {
    const entry = this.running.get(id);
    if (entry === undefined) return;
    entry.fraction = Math.min(1, Math.max(0, fraction));
    this.notifyPositions();
  }

  placeOf(id: string): JobPlace | undefined {
    const running = this.running.get(id);
    if (running !== undefined) return { status: 'running', position: 0, etaMs: this.remainingMs(running) };
    const index = this.waiting.findIndex((entry) => entry.job.id === id);
    return index === -1 ? undefined : { status: 'queued', position: index + 1, etaMs: this.waitingEta(index) };
  }

  /** A user's jobs, running first, then waiting in order. */
  jobsOf(user: UserKey): Array<{ readonly id: string } & JobPlace> {
    const ids = [...this.running.values(), ...this.waiting].filter((entry) => entry.job.user === user).map((entry) => entry.job.id);
    return ids.flatMap((id) => {
      const place = this.placeOf(id);
      return place === undefined ? [] : [{ id, ...place }];
    });
  }

  pendingOf(user: UserKey): number {
    let pending = 0;
    for (const entry of this.running.values()) if (entry.job.user === user) pending++;
    for (const entry of this.waiting) if (entry.job.user === user) pending++;
    return pending;
  }

  private async start(entry: Entry): Promise<void> {
    const index = this.waiting.indexOf(entry);
    if (index !== -1) this.waiting.splice(index, 1);
    this.servingRound = Math.max(this.servingRound, entry.round);
    entry.startedAt = this.now();
    this.running.set(entry.job.id, entry);
    this.notifyPositions();
    let outcome: RunOutcome = 'failed';
    try {
      // p-queue may start a job inside add(); yield so add() returns its place first.
      await Promise.resolve();
      outcome = await entry.job.run(entry.abort.signal);
    } catch {
      // The job reports its own failures; the queue only needs to move on.
    } finally {
      this.running.delete(entry.job.id);
      if (outcome === 'succeeded') this.estimator.record(entry.job.cost, this.now() - entry.startedAt);
      this.forgetUserIfIdle(entry.job.user);
      entry.finish();
      this.notifyPositions();
    }
  }

  private insertWaiting(entry: Entry): void {
    // Same order as p-queue: higher priority (earlier round) first, FIFO within a round.
    let index = this.waiting.length;
    while (index > 0 && (this.waiting[index - 1]?.round ?? 0) > entry.round) index--;
    this.waiting.splice(index, 0, entry);
  }

  private forgetUserIfIdle(user: UserKey): void {
    if (this.pendingOf(user) === 0) this.lastRound.delete(user);
  }

  private remainingMs(entry: Entry): number {
    const total = this.estimator.durationOf(entry.job.cost);
    if (entry.fraction > 0) return total * (1 - entry.fraction);
    return Math.max(0, total - (this.now() - (entry.startedAt ?? this.now())));
  }

  /** Until the job at `index` of the waiting list starts. */
  private waitingEta(index: number): number {
    let work = 0;
    for (const entry of this.running.values()) work += this.remainingMs(entry);
    for (let i = 0; i < index; i++) work += this.estimator.durationOf(this.waiting[i]?.job.cost ?? 0);
    return work / this.concurrency;
  }

  private notifyPositions(skip?: Entry): void {
    this.waiting.forEach((entry, index) => {
      if (entry === skip) return;
      const position = index + 1;
      const etaMs = this.waitingEta(index);
      const etaMoved = Math.abs(etaMs - entry.lastEtaMs) >= Math.max(ETA_MIN_CHANGE_MS, entry.lastEtaMs * ETA_MIN_CHANGE_RATIO);
      if (position === entry.lastPosition && !etaMoved) return;
      entry.lastPosition = position;
      entry.lastEtaMs = etaMs;
      entry.job.onPosition?.(position, etaMs);
    });
  }
}
