// The bot's side of the pipeline: starts the worker process, hands it jobs and turns what comes
// back into promises. A crashed or hung worker fails only the job it was running; a fresh worker
// starts at once and every job that had not started yet goes to it.
import { assertNever, resultOf } from './protocol.js';
import type { ReadyMessage, WorkerMessage } from './protocol.js';
import type { GenerateOptions, GenerationParams, GenerationProgress, GenerationResult } from '../types.js';
import { WorkerError } from './worker-error.js';
import { WorkerProcess, describeExit, execArgvFor } from './worker-process.js';
import type { WorkerExit } from './worker-process.js';

export { describeExit } from './worker-process.js';

/**
 * The worker entry next to this module, with this module's own extension: `worker.ts` when the
 * bot runs from src/ through tsx, `worker.js` when it runs from the build in dist/.
 */
export const DEFAULT_WORKER_SCRIPT = siblingWorkerScript(import.meta.url);

export function siblingWorkerScript(moduleUrl: string): URL {
  const extension = /\.([cm]?[jt]s)$/.exec(new URL(moduleUrl).pathname)?.[1] ?? 'js';
  return new URL(`../worker/worker.${extension}`, moduleUrl);
}
/**
 * onnxruntime-node runs each session call synchronously on the worker's main thread, so no
 * heartbeat gets out during one UNet step or VAE decode: this must exceed the slowest of those
 * (WORKER_HEARTBEAT_TIMEOUT_SECONDS raises it for big models on slow CPUs).
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
export const DEFAULT_JOB_DEADLINE_MS = 15 * 60_000;
export const DEFAULT_READY_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_CANCEL_GRACE_MS = 10_000;
export const DEFAULT_CLOSE_GRACE_MS = 10_000;
/** A job that was sent but never started goes to the next worker this many times at most. */
const MAX_RESENDS = 1;
const RESTART_BACKOFF_INITIAL_MS = 500;
const RESTART_BACKOFF_MAX_MS = 30_000;

/** One unit of work for the worker. */
export interface GenerationJob {
  /** From crypto.randomUUID(). */
  readonly jobId: string;
  /** Configured model name. */
  readonly model: string;
  readonly params: GenerationParams;
}

export interface ClientGenerateOptions extends GenerateOptions {
  /** The worker began this job (it may have waited behind another one inside the worker). */
  readonly onStarted?: () => void;
}

/** What the client reports for logs and metrics. */
export type WorkerEvent =
  | { readonly type: 'ready'; readonly pid: number; readonly ready: ReadyMessage; readonly startMs: number }
  | { readonly type: 'exit'; readonly pid: number | undefined; readonly exit: WorkerExit }
  /** No sign of life for `silentMs`; it is killed and replaced once silent for `timeoutMs`. */
  | { readonly type: 'unresponsive'; readonly pid: number | undefined; readonly silentMs: number; readonly timeoutMs: number }
  /** It spoke again after an `unresponsive` event. */
  | { readonly type: 'responsive'; readonly pid: number | undefined }
  | { readonly type: 'started'; readonly jobId: string; readonly idleMs: number | null }
  | { readonly type: 'model-switch'; readonly jobId: string; readonly from: string | null; readonly to: string; readonly ms: number }
  | { readonly type: 'worker-error'; readonly code: string; readonly message: string }
  | { readonly type: 'invalid-message'; readonly error: string };

export interface PipelineClientOptions {
  /** Worker entry point; the real worker by default, a fake one in tests. */
  readonly script?: string | URL;
  /** Worker argv, usually `workerArgs(config)`. */
  readonly args: readonly string[];
  /** Node flags for the worker; by default the tsx loader for a `.ts` script and none for `.js`. */
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly stderr?: 'inherit' | 'ignore';
  /** The worker counts as hung after this long without any message (it heartbeats every second between session calls). */
  readonly heartbeatTimeoutMs?: number;
  /** How long one job may run once the worker started it. */
  readonly jobDeadlineMs?: number | ((params: GenerationParams) => number);
  /** Longest a model load may take: at start-up, and for a switch (when heartbeats pause). */
  readonly readyTimeoutMs?: number;
  /** How long the worker gets to confirm a cancel before it is killed. */
  readonly cancelGraceMs?: number;
  readonly closeGraceMs?: number;
  readonly onEvent?: (event: WorkerEvent) => void;
}

type JobState = 'unsent' | 'sent' | 'started';

interface InFlight {
  readonly job: GenerationJob;
  readonly options: ClientGenerateOptions;
  state: JobState;
  resends: number;
  timers: NodeJS.Timeout[];
  detach: () => void;
  readonly resolve: (result: GenerationResult) => void;
  readonly reject: (error: WorkerError) => void;
}

export class PipelineClient {
  private worker: WorkerProcess | undefined;
  private readyInfo: ReadyMessage | undefined;
  private readonly jobs = new Map<string, InFlight>();
  /** Jobs already failed towards the caller (deadline, cancel) that the worker has not let go of. */
  private readonly zombies = new Map<string, NodeJS.Timeout>();
  private closed = false;
  private consecutiveCrashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: PipelineClientOptions) {}

  /** Starts the worker and waits until its model is loaded. */
  static async start(options: PipelineClientOptions): Promise<PipelineClient> {
    const client = new PipelineClient(options);
    try {
      await client.spawn();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** What the current worker announced: models, kinds, provider. */
  get info(): ReadyMessage | undefined {
    return this.readyInfo;
  }

  get pid(): number | undefined {
    return this.worker?.pid;
  }

  generate(job: GenerationJob, options: ClientGenerateOptions = {}): Promise<GenerationResult> {
    if (this.closed) return Promise.reject(new WorkerError('shutting_down', 'The image worker is shutting down.', job.jobId));
    if (options.signal?.aborted) return Promise.reject(new WorkerError('cancelled', 'Cancelled.', job.jobId));
    if (this.jobs.has(job.jobId)) return Promise.reject(new Error(`job ${job.jobId} is already running`));

    return new Promise<GenerationResult>((resolve, reject) => {
      const entry: InFlight = { job, options, state: 'unsent', resends: 0, timers: [], detach: () => undefined, resolve, reject };
      this.jobs.set(job.jobId, entry);
      const signal = options.signal;
      if (signal !== undefined) {
        const onAbort = (): void => this.cancel(entry);
        signal.addEventListener('abort', onAbort, { once: true });
        entry.detach = () => signal.removeEventListener('abort', onAbort);
      }
      if (this.readyInfo !== undefined) this.send(entry);
      else if (this.worker === undefined && this.restartTimer === undefined) this.spawn().catch(() => undefined);
    });
  }

  /** Stops the worker. Jobs still in flight fail with `shutting_down`. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (worker !== undefined) await worker.close(this.options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
    for (const entry of [...this.jobs.values()]) {
      this.settle(entry, new WorkerError('shutting_down', 'The image worker was stopped.', entry.job.jobId));
    }
  }

  private spawn(): Promise<ReadyMessage> {
    const started = performance.now();
    const worker = new WorkerProcess({
      script: this.options.script ?? DEFAULT_WORKER_SCRIPT,
      args: this.options.args,
      execArgv: this.options.execArgv ?? execArgvFor(this.options.script ?? DEFAULT_WORKER_SCRIPT),
      ...(this.options.env === undefined ? {} : { env: this.options.env }),
      stderr: this.options.stderr ?? 'inherit',
      readyTimeoutMs: this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
      onMessage: (message) => this.onMessage(message),
      onInvalidMessage: (error) => this.emit({ type: 'invalid-message', error }),
      onSilence: (silentMs) =>
        this.emit(
          silentMs === undefined
            ? { type: 'responsive', pid: worker.pid }
            : { type: 'unresponsive', pid: worker.pid, silentMs, timeoutMs: this.options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS },
        ),
      onExit: (exit) => this.onExit(worker, exit),
    });
    this.worker = worker;
    return worker.ready.then(
      (ready) => {
        if (this.worker !== worker) return ready;
        this.readyInfo = ready;
        this.emit({ type: 'ready', pid: ready.pid, ready, startMs: performance.now() - started });
        for (const entry of this.jobs.values()) if (entry.state === 'unsent') this.send(entry);
        return ready;
      },
      (error: unknown) => {
        // Nobody else will start a worker for the jobs that were waiting for this one.
        const failure = WorkerError.is(error) ? error : new WorkerError('worker_crashed', String(error));
        for (const entry of [...this.jobs.values()]) {
          if (entry.state === 'unsent') this.settle(entry, new WorkerError(failure.code, failure.message, entry.job.jobId));
        }
        throw failure;
      },
    );
  }

  private send(entry: InFlight): void {
    const { jobId, model, params } = entry.job;
    if (this.worker?.send({ type: 'generate', jobId, model, params })) entry.state = 'sent';
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        return;
      case 'started': {
        this.emit({ type: 'started', jobId: message.jobId, idleMs: message.idleMs });
        const entry = this.jobs.get(message.jobId);
        if (entry === undefined) return;
        entry.state = 'started';
        const deadlineMs = this.deadlineFor(entry.job.params);
        entry.timers.push(setTimeout(() => this.onDeadline(entry, deadlineMs), deadlineMs));
        entry.options.onStarted?.();
        return;
      }
      case 'model-switch':
        this.emit({ type: 'model-switch', jobId: message.jobId, from: message.from, to: message.to, ms: message.ms });
        return;
      case 'progress': {
        const progress: GenerationProgress = {
          step: message.step,
          total: message.total,
          ...(message.preview === undefined ? {} : { preview: message.preview }),
          ...(message.phase === undefined ? {} : { phase: message.phase }),
        };
        this.jobs.get(message.jobId)?.options.onProgress?.(progress);
        return;
      }
      case 'result': {
        this.releaseZombie(message.jobId);
        const entry = this.jobs.get(message.jobId);
        if (entry === undefined) return;
        this.consecutiveCrashes = 0;
        this.settle(entry, resultOf(message));
        return;
      }
      case 'error': {
        if (message.jobId === undefined) {
          this.emit({ type: 'worker-error', code: message.code, message: message.message });
          return;
        }
        this.releaseZombie(message.jobId);
        const entry = this.jobs.get(message.jobId);
        if (entry !== undefined) this.settle(entry, new WorkerError(message.code, message.message, message.jobId));
        return;
      }
      case 'loading':
      case 'heartbeat':
        return;
      case 'pong':
        return;
      default:
        assertNever(message);
    }
  }

  private onExit(worker: WorkerProcess, exit: WorkerExit): void {
    this.emit({ type: 'exit', pid: worker.pid, exit });
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.readyInfo = undefined;
    for (const timer of this.zombies.values()) clearTimeout(timer);
    this.zombies.clear();
    if (exit.beforeReady || this.closed) return; // spawn()'s rejection handles the waiting jobs

    for (const entry of [...this.jobs.values()]) {
      if (entry.state === 'started' || (entry.state === 'sent' && entry.resends >= MAX_RESENDS)) {
        this.settle(entry, failureFor(exit, entry.job.jobId));
      } else {
        if (entry.state === 'sent') entry.resends++;
        entry.state = 'unsent';
      }
    }
    this.restart();
  }

  /** A fresh worker right away; repeated crashes back off so a broken model cannot spin the CPU. */
  private restart(): void {
    const delayMs =
      this.consecutiveCrashes === 0
        ? 0
        : Math.min(RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_INITIAL_MS * 2 ** (this.consecutiveCrashes - 1));
    this.consecutiveCrashes++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.closed) this.spawn().catch(() => undefined);
    }, delayMs);
  }

  private cancel(entry: InFlight): void {
    if (entry.state === 'unsent') {
      this.settle(entry, new WorkerError('cancelled', 'Cancelled.', entry.job.jobId));
      return;
    }
    this.worker?.send({ type: 'cancel', jobId: entry.job.jobId });
    const graceMs = this.options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    entry.timers.push(
      setTimeout(() => {
        this.settle(entry, new WorkerError('cancelled', 'Cancelled.', entry.job.jobId));
        this.worker?.kill('hung');
      }, graceMs),
    );
  }

  private onDeadline(entry: InFlight, deadlineMs: number): void {
    const jobId = entry.job.jobId;
    this.settle(entry, new WorkerError('timed_out', `The job ran longer than ${Math.round(deadlineMs / 1000)} s.`, jobId));
    // The worker may still be stuck in it: ask it to stop, and replace it if it will not.
    const worker = this.worker;
    worker?.send({ type: 'cancel', jobId });
    const graceMs = this.options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    this.zombies.set(
      jobId,
      setTimeout(() => {
        this.zombies.delete(jobId);
        if (this.worker === worker) worker?.kill('hung');
      }, graceMs),
    );
  }

  private releaseZombie(jobId: string): void {
    const timer = this.zombies.get(jobId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.zombies.delete(jobId);
  }

  private settle(entry: InFlight, outcome: GenerationResult | WorkerError): void {
    if (this.jobs.get(entry.job.jobId) !== entry) return;
    this.jobs.delete(entry.job.jobId);
    for (const timer of entry.timers) clearTimeout(timer);
    entry.detach();
    if (outcome instanceof WorkerError) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  private deadlineFor(params: GenerationParams): number {
    const deadline = this.options.jobDeadlineMs ?? DEFAULT_JOB_DEADLINE_MS;
    return typeof deadline === 'number' ? deadline : deadline(params);
  }

  private emit(event: WorkerEvent): void {
    this.options.onEvent?.(event);
  }
}

function failureFor(exit: WorkerExit, jobId: string): WorkerError {
  return exit.reason === 'hung'
    ? new WorkerError('timed_out', 'The image worker stopped responding and was restarted.', jobId)
    : new WorkerError('worker_crashed', `The image worker crashed (${describeExit(exit)}) and was restarted.`, jobId);
}
