// The job queue in front of the pipeline worker. p-queue limits concurrency; fairness comes from
// priorities: every job gets a round, one past its owner's previous job and never before the
// round now being served, so a user's second job waits behind everyone else's first. Within a
// round, arrival order decides. The waiting order lives in one place, p-queue's own queue (a
// FairOrder). Every waiting job knows its place and an ETA, and hears when either changes.
import PQueue from 'p-queue';
import type { UserKey } from '../../commands/ports.js';
import { EtaEstimator } from './eta-estimator.js';
import { FairOrder } from './fair-order.js';
import type { Admission, JobPlace, QueueCaps } from './ports/job-queue.js';

export type { JobPlace } from './ports/job-queue.js';

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
  /** The job ran and has left the queue: counts and places no longer include it. */
  onSettled?(): void;
}

export interface FairQueueOptions {
  /** Jobs running at once (per worker); 1 for one GPU. */
  readonly concurrency?: number;
  /** Waiting jobs beyond which new ones are refused with queue_full. */
  readonly maxLength?: number;
  /** Queued plus running jobs one user may have. */
  readonly maxPendingPerUser?: number;
  readonly estimator?: EtaEstimator;
  readonly now?: () => number;
}

interface Entry {
  readonly job: QueuedJob;
  readonly round: number;
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
  private readonly order = new FairOrder();
  private readonly concurrency: number;
  private readonly caps: QueueCaps;
  private readonly now: () => number;
  readonly estimator: EtaEstimator;

  /** Every job here by id; the waiting order is the FairOrder's. */
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Map<string, Entry>();
  private readonly lastRound = new Map<UserKey, number>();
  private servingRound = 0;
  private intakePaused = false;

  constructor(options: FairQueueOptions = {}) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.caps = {
      maxWaiting: options.maxLength ?? DEFAULT_MAX_QUEUE_LENGTH,
      maxPerUser: options.maxPendingPerUser ?? DEFAULT_MAX_PENDING_PER_USER,
    };
    this.estimator = options.estimator ?? new EtaEstimator();
    this.now = options.now ?? Date.now;
    this.queue = new PQueue({ concurrency: this.concurrency, queueClass: this.order.asQueueClass() });
  }

  get paused(): boolean {
    return this.intakePaused;
  }

  get waitingCount(): number {
    return this.order.size;
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

  /** Starts no more waiting jobs (for shutdown); running ones go on. */
  stopStarting(): void {
    this.queue.pause();
  }

  /** The refusal `add` would give this user now, or undefined when it would be accepted. */
  private refusalFor(user: UserKey, caps: QueueCaps = this.caps): Extract<Admission, { accepted: false }> | undefined {
    if (this.intakePaused) return { accepted: false, reason: 'intake_paused' };
    const pending = this.pendingOf(user);
    if (pending >= caps.maxPerUser) return { accepted: false, reason: 'too_many_pending', pending };
    if (this.order.size >= caps.maxWaiting) {
      return { accepted: false, reason: 'queue_full', retryAfterMs: Math.round(this.waitingEta(this.order.size - caps.maxWaiting)) };
    }
    return undefined;
  }

  /** Queues a job (or starts it at once) unless a cap or the pause refuses it; the check and the add are one step. */
  add(job: QueuedJob, caps: QueueCaps = this.caps): Admission {
    const refusal = this.refusalFor(job.user, caps);
    if (refusal !== undefined) return refusal;
    const round = Math.max(this.servingRound, (this.lastRound.get(job.user) ?? -1) + 1);
    return { accepted: true, round, place: this.enqueue(job, round) };
  }

  /** Puts back a job kept from before a restart, in its old round, past every cap and pause. */
  restore(job: QueuedJob, round: number): JobPlace {
    return this.enqueue(job, round);
  }

  /** Removes a waiting job or aborts a running one; undefined when the id is not here. */
  cancel(id: string, reason?: unknown): 'removed' | 'aborted' | undefined {
    const running = this.running.get(id);
    if (running !== undefined) {
      running.abort.abort(reason);
      return 'aborted';
    }
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    entry.dequeue.abort(reason); // p-queue takes it out of the FairOrder
    this.order.remove(id);
    this.forgetUserIfIdle(entry.job.user);
    entry.finish();
    this.notifyPositions();
    return 'removed';
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
    const index = this.order.indexOf(id);
    return index === -1 ? undefined : { status: 'queued', position: index + 1, etaMs: this.waitingEta(index) };
  }

  /** A user's jobs, running first, then waiting in order. */
  jobsOf(user: UserKey): Array<{ readonly id: string } & JobPlace> {
    const ids = [...this.running.keys(), ...this.order.ids()].filter((id) => this.entries.get(id)?.job.user === user);
    return ids.flatMap((id) => {
      const place = this.placeOf(id);
      return place === undefined ? [] : [{ id, ...place }];
    });
  }

  pendingOf(user: UserKey): number {
    let pending = 0;
    for (const entry of this.entries.values()) if (entry.job.user === user) pending++;
    return pending;
  }

  /** Until the first waiting job starts. */
  nextStartMs(): number {
    return Math.round(this.waitingEta(0));
  }

  waitingOf(user: UserKey): number {
    return this.order.ids().filter((id) => this.entries.get(id)?.job.user === user).length;
  }

  private enqueue(job: QueuedJob, round: number): JobPlace {
    if (this.entries.has(job.id)) throw new Error(`job ${job.id} is already queued`);
    this.lastRound.set(job.user, Math.max(round, this.lastRound.get(job.user) ?? round));
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const entry: Entry = {
      job,
      round,
      dequeue: new AbortController(),
      abort: new AbortController(),
      done,
      finish,
      fraction: 0,
      lastPosition: 0,
      lastEtaMs: 0,
    };
    this.entries.set(job.id, entry);
    this.queue
      .add(() => this.start(entry), { priority: -round, id: job.id, signal: entry.dequeue.signal })
      .catch(() => undefined); // dequeued by cancel(); already handled there
    const place = this.placeOf(job.id) ?? { status: 'running', position: 0, etaMs: this.estimator.durationOf(job.cost) };
    entry.lastPosition = place.position;
    entry.lastEtaMs = place.etaMs;
    this.notifyPositions(entry);
    return place;
  }

  private async start(entry: Entry): Promise<void> {
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
      this.entries.delete(entry.job.id);
      if (outcome === 'succeeded') this.estimator.record(entry.job.cost, this.now() - entry.startedAt);
      this.forgetUserIfIdle(entry.job.user);
      entry.finish();
      entry.job.onSettled?.();
      this.notifyPositions();
    }
  }

  private forgetUserIfIdle(user: UserKey): void {
    if (this.pendingOf(user) === 0) this.lastRound.delete(user);
  }

  private remainingMs(entry: Entry): number {
    const total = this.estimator.durationOf(entry.job.cost);
    if (entry.fraction > 0) return total * (1 - entry.fraction);
    return Math.max(0, total - (this.now() - (entry.startedAt ?? this.now())));
  }

  /** Until the job at `index` of the waiting order starts. */
  private waitingEta(index: number): number {
    let work = 0;
    for (const entry of this.running.values()) work += this.remainingMs(entry);
    const ids = this.order.ids();
    for (let i = 0; i < index; i++) work += this.estimator.durationOf(this.entries.get(ids[i] ?? '')?.job.cost ?? 0);
    return work / this.concurrency;
  }

  private notifyPositions(skip?: Entry): void {
    this.order.ids().forEach((id, index) => {
      const entry = this.entries.get(id);
      if (entry === undefined || entry === skip) return;
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
