// The worker process's message loop: keeps one model resident, runs one job at a time, streams
// progress, answers pings and sends heartbeats. The model loader is injected, so the real worker
// (StableDiffusionPipeline) and the test fixture share this loop.
import { performance } from 'node:perf_hooks';
import { isPipelineError } from '../errors.js';
import { PROTOCOL_VERSION, assertNever, parseParentMessage } from '../ipc/protocol.js';
import type { GenerateMessage, WorkerMessage, WorkerModelEntry } from '../ipc/protocol.js';
import type {
  ExecutionProviderName,
  GenerateOptions,
  GenerationParams,
  GenerationResult,
  ModelKind,
} from '../types.js';
import type { WorkerChannel } from '../ipc/worker-channel.js';
import { defaultModelOf } from './worker-config.js';
import type { WorkerConfig } from './worker-config.js';
import type { WorkerErrorCode } from '../ipc/worker-error.js';

/** Exit status of a worker whose start-up model could not be loaded. */
export const EXIT_LOAD_FAILED = 3;
/** How long a worker whose parent went away waits for its job to stop before exiting anyway. */
const ORPHAN_EXIT_MS = 5_000;

/** What the loop needs from a loaded model; StableDiffusionPipeline fits it. */
export interface ResidentModel {
  readonly info: { readonly kind: ModelKind; readonly provider: ExecutionProviderName };
  generate(params: GenerationParams, options: GenerateOptions): Promise<GenerationResult>;
  release(): Promise<void>;
}

export type ModelEntry = WorkerConfig['models'][number];
export type ModelLoader = (entry: ModelEntry, config: WorkerConfig) => Promise<ResidentModel>;

export interface WorkerLoopOptions {
  readonly config: WorkerConfig;
  readonly channel: WorkerChannel;
  readonly loadModel: ModelLoader;
  /** Full errors go here (stderr in the real worker); the parent only gets code and message. */
  readonly logError: (context: string, error: unknown) => void;
  readonly exit: (code: number) => void;
}

interface Resident {
  readonly name: string;
  readonly model: ResidentModel;
}

interface RunningJob {
  readonly jobId: string;
  readonly controller: AbortController;
}

export class WorkerLoop {
  private resident: Resident | undefined;
  private readonly waiting: GenerateMessage[] = [];
  private running: RunningJob | undefined;
  private lastFinishedAt: number | undefined;
  private ready = false;
  private stopping = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly options: WorkerLoopOptions) {}

  /** Loads the default model and announces readiness; exits when that load fails. */
  async start(): Promise<void> {
    const { channel, config } = this.options;
    channel.onMessage((value) => this.handle(value));
    channel.onDisconnect(() => {
      // An orphan must not linger: give the running job a moment to stop, then go regardless.
      setTimeout(() => this.options.exit(0), ORPHAN_EXIT_MS);
      void this.stop(false);
    });
    this.heartbeat = setInterval(
      () => void channel.send({ type: 'heartbeat', busy: this.running !== undefined }),
      config.heartbeatMs,
    );
    // The IPC channel keeps the process alive; heartbeats alone must not.
    this.heartbeat.unref();

    const name = defaultModelOf(config);
    const started = performance.now();
    try {
      this.resident = { name, model: await this.load(this.entryFor(name)) };
    } catch (error) {
      this.options.logError(`loading model '${name}'`, error);
      const message = error instanceof ModelLoadFailed ? error.message : `Model '${name}' could not be loaded: ${describe(error)}`;
      await channel.send({ type: 'error', code: 'model_unavailable', message });
      this.clearHeartbeat();
      this.options.exit(EXIT_LOAD_FAILED);
      return;
    }
    await channel.send({
      type: 'ready',
      protocolVersion: PROTOCOL_VERSION,
      pid: process.pid,
      models: this.modelEntries(),
      provider: this.resident.model.info.provider,
      loadMs: performance.now() - started,
    });
    this.ready = true;
    this.pump();
  }

  private handle(value: unknown): void {
    const parsed = parseParentMessage(value);
    if (!parsed.ok) {
      this.options.logError('invalid message from parent', new Error(parsed.error));
      void this.options.channel.send({ type: 'error', code: 'bad_message', message: parsed.error });
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'generate':
        if (this.stopping) {
          void this.fail(message.jobId, 'shutting_down', 'The worker is shutting down.');
          return;
        }
        this.waiting.push(message);
        this.pump();
        return;
      case 'cancel':
        this.cancel(message.jobId);
        return;
      case 'shutdown':
        void this.stop(true);
        return;
      case 'ping':
        void this.options.channel.send({ type: 'pong', nonce: message.nonce });
        return;
      default:
        assertNever(message);
    }
  }

  private cancel(jobId: string): void {
    if (this.running?.jobId === jobId) {
      this.running.controller.abort();
      return;
    }
    const index = this.waiting.findIndex((job) => job.jobId === jobId);
    if (index !== -1) {
      this.waiting.splice(index, 1);
      void this.fail(jobId, 'cancelled', 'Cancelled before it started.');
    }
  }

  private pump(): void {
    if (!this.ready || this.stopping || this.running !== undefined) return;
    const job = this.waiting.shift();
    if (job === undefined) return;
    const controller = new AbortController();
    this.running = { jobId: job.jobId, controller };
    this.idle = this.run(job, controller.signal).finally(() => {
      this.running = undefined;
      this.pump();
    });
  }

  private async run(job: GenerateMessage, signal: AbortSignal): Promise<void> {
    const { channel } = this.options;
    const idleMs = this.lastFinishedAt === undefined ? null : performance.now() - this.lastFinishedAt;
    // Not awaited: the channel keeps message order, and the model should not wait for the pipe.
    void channel.send({ type: 'started', jobId: job.jobId, idleMs });
    let outcome: WorkerMessage;
    try {
      const model = await this.residentFor(job);
      const result = await model.generate(job.params, {
        signal,
        onProgress: (progress) => void channel.send({ type: 'progress', jobId: job.jobId, ...progress }),
      });
      outcome = {
        type: 'result',
        jobId: job.jobId,
        model: result.model,
        images: result.images.map((image) => ({ ...image })),
        timings: result.timings,
        truncatedWords: [...result.truncatedWords],
        ...(result.loras === undefined ? {} : { loras: result.loras.map((lora) => ({ ...lora })) }),
      };
    } catch (error) {
      const [code, message] = classify(error, signal);
      if (code === 'generation_failed' || code === 'model_unavailable') {
        this.options.logError(`job ${job.jobId}`, error);
      }
      outcome = { type: 'error', jobId: job.jobId, code, message };
    } finally {
      // The model is idle from here until the next job starts: that gap is what the bench measures.
      this.lastFinishedAt = performance.now();
    }
    await channel.send(outcome);
  }

  /** The model for this job, switching the resident one when needed (only one stays loaded). */
  private async residentFor(job: GenerateMessage): Promise<ResidentModel> {
    if (this.resident?.name === job.model) return this.resident.model;
    const entry = this.entryFor(job.model);
    const from = this.resident?.name ?? null;
    const started = performance.now();
    const old = this.resident;
    this.resident = undefined;
    if (old !== undefined) await old.model.release();
    const model = await this.load(entry);
    this.resident = { name: entry.name, model };
    await this.options.channel.send({
      type: 'model-switch',
      jobId: job.jobId,
      from,
      to: entry.name,
      ms: performance.now() - started,
    });
    return model;
  }

  private entryFor(name: string): ModelEntry {
    const models = this.options.config.models;
    const entry = models.find((model) => model.name === name);
    if (entry === undefined) {
      throw new UnknownModel(`Model '${name}' is not configured (configured: ${models.map((model) => model.name).join(', ')}).`);
    }
    return entry;
  }

  private async load(entry: ModelEntry): Promise<ResidentModel> {
    const { name } = entry;
    // Awaited: the event loop may be blocked for the whole load, so the notice must be out first.
    await this.options.channel.send({ type: 'loading', model: name });
    try {
      return await this.options.loadModel(entry, this.options.config);
    } catch (error) {
      throw new ModelLoadFailed(`Model '${name}' could not be loaded: ${describe(error)}`, { cause: error });
    }
  }

  private modelEntries(): WorkerModelEntry[] {
    return this.options.config.models.map((model) => {
      const resident = this.resident?.name === model.name ? this.resident.model : undefined;
      const kind = resident?.info.kind ?? model.kind;
      return { name: model.name, resident: resident !== undefined, ...(kind === undefined ? {} : { kind }) };
    });
  }

  private fail(jobId: string, code: WorkerErrorCode, message: string): Promise<void> {
    return this.options.channel.send({ type: 'error', jobId, code, message } satisfies WorkerMessage);
  }

  /** Stops taking jobs, aborts the running one, releases the model and exits 0. */
  private async stop(notify: boolean): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.running?.controller.abort();
    const dropped = this.waiting.splice(0);
    if (notify) {
      await Promise.all(dropped.map((job) => this.fail(job.jobId, 'shutting_down', 'The worker is shutting down.')));
    }
    await this.idle;
    try {
      await this.resident?.model.release();
    } catch (error) {
      this.options.logError('releasing the model', error);
    }
    this.clearHeartbeat();
    this.options.exit(0);
  }

  private clearHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
  }
}

class UnknownModel extends Error {}
class ModelLoadFailed extends Error {}

function classify(error: unknown, signal: AbortSignal): [WorkerErrorCode, string] {
  if (isPipelineError(error, 'cancelled') || signal.aborted) return ['cancelled', 'Cancelled.'];
  if (error instanceof UnknownModel || error instanceof ModelLoadFailed) return ['model_unavailable', error.message];
  if (isPipelineError(error)) {
    switch (error.code) {
      case 'invalid_params':
        return ['invalid_params', error.message];
      case 'invalid_init_image':
        return ['invalid_init_image', error.message];
      case 'invalid_model_folder':
      case 'provider_unavailable':
        return ['model_unavailable', error.message];
      case 'cancelled':
        return ['cancelled', 'Cancelled.'];
      default:
        return assertNever(error.code);
    }
  }
  return ['generation_failed', describe(error)];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
