// Prometheus metrics for the bot, on a registry of their own so tests and several bots in one
// process never share counters. The helpers take milliseconds, as the rest of the code does, and
// record seconds, as Prometheus expects. Gauges read their source when scraped (`collect`), so a
// value is never older than the scrape. Node's default process_* and nodejs_* metrics keep their
// standard names, so stock dashboards work; everything of our own starts with imagine_.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'imagine_';
const MS_PER_SECOND = 1000;
/** Queue waits run from instant to many minutes on a busy CPU box. */
const WAIT_BUCKETS_SECONDS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200];
/** A Turbo image on a GPU takes well under a second; SD 1.5 on a small CPU, minutes. */
const JOB_BUCKETS_SECONDS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200];
/** CPUs do a fraction of a step per second, a big GPU tens of steps. */
const STEP_RATE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];

export interface MetricsOptions {
  /** Node's default process metrics (memory, CPU, event loop lag), unprefixed; on by default. */
  readonly processMetrics?: boolean;
}

/** Where the scrape-time gauges read from; bound once the parts they read exist. */
export interface GaugeSources {
  /** Jobs waiting over the whole queue (a Redis read with JOB_QUEUE=redis). */
  readonly queueLength?: () => number | Promise<number>;
  /** Resident memory of the pipeline worker process in bytes; undefined while there is none. */
  readonly workerResidentBytes?: () => number | undefined | Promise<number | undefined>;
}

/** `imagine_jobs_total{outcome}`: a fixed, small set, so a new error code never adds a series. */
export type JobOutcome = 'completed' | 'cancelled' | 'timed_out' | 'interrupted' | 'failed';

export function jobOutcome(code: string | undefined): JobOutcome {
  switch (code) {
    case undefined:
      return 'completed';
    case 'cancelled':
    case 'timed_out':
    case 'interrupted':
      return code;
    case 'shutting_down':
      return 'interrupted';
    default:
      return 'failed';
  }
}

export interface CompletedJob {
  readonly model: string;
  readonly durationMs: number;
  readonly steps: number;
  /** Time spent denoising; steps per second is computed from it when given, else from durationMs. */
  readonly denoiseMs?: number;
  /** Images the job produced. */
  readonly images: number;
}

export interface BotMetrics {
  readonly registry: Registry;
  readonly queueLength: Gauge;
  readonly waitSeconds: Histogram;
  readonly jobDurationSeconds: Histogram<'model'>;
  readonly stepsPerSecond: Histogram<'model'>;
  readonly lastStepsPerSecond: Gauge<'model'>;
  readonly errors: Counter<'code'>;
  readonly workerRestarts: Counter;
  readonly jobs: Counter<'outcome'>;
  readonly images: Counter<'model'>;
  readonly refusals: Counter<'reason'>;
  readonly denoiseSteps: Counter;
  readonly denoiseSeconds: Counter;
  readonly workerResidentMemory: Gauge;
  /** Points the scrape-time gauges at their sources. */
  bindSources(sources: GaugeSources): void;
  observeWait(waitMs: number): void;
  /** A finished job: counts it, its images and its denoising work. */
  observeJob(job: CompletedJob): void;
  /** A failed job, by error code. */
  countError(code: string): void;
  /** A request turned away before it was queued (rate limit, full queue, ban…), by error code. */
  countRefusal(reason: string): void;
  countWorkerRestart(): void;
}

export function createMetrics(options: MetricsOptions = {}): BotMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  let sources: GaugeSources = {};

  const queueLength = new Gauge({
    name: `${METRIC_PREFIX}queue_length`,
    help: 'Jobs waiting in the queue',
    registers,
    async collect() {
      if (sources.queueLength !== undefined) this.set(await sources.queueLength());
    },
  });
  const workerResidentMemory = new Gauge({
    name: `${METRIC_PREFIX}worker_resident_memory_bytes`,
    help: 'Resident memory of the pipeline worker process (the process that holds the model); 0 while none is up',
    registers,
    async collect() {
      this.set((await sources.workerResidentBytes?.()) ?? 0);
    },
  });
  const waitSeconds = new Histogram({
    name: `${METRIC_PREFIX}queue_wait_seconds`,
    help: 'Time from enqueue until the worker starts the job',
    buckets: WAIT_BUCKETS_SECONDS,
    registers,
  });
  const jobDurationSeconds = new Histogram({
    name: `${METRIC_PREFIX}job_duration_seconds`,
    help: 'Generation time of finished jobs, by model',
    labelNames: ['model'] as const,
    buckets: JOB_BUCKETS_SECONDS,
    registers,
  });
  const stepsPerSecond = new Histogram({
    name: `${METRIC_PREFIX}steps_per_second`,
    help: 'Denoising speed of finished jobs, by model',
    labelNames: ['model'] as const,
    buckets: STEP_RATE_BUCKETS,
    registers,
  });
  const lastStepsPerSecond = new Gauge({
    name: `${METRIC_PREFIX}last_steps_per_second`,
    help: 'Denoising speed of the latest finished job, by model',
    labelNames: ['model'] as const,
    registers,
  });
  const errors = new Counter({
    name: `${METRIC_PREFIX}errors_total`,
    help: 'Failed jobs by error code',
    labelNames: ['code'] as const,
    registers,
  });
  const workerRestarts = new Counter({
    name: `${METRIC_PREFIX}worker_restarts_total`,
    help: 'Times the pipeline worker process was restarted',
    registers,
  });
  const jobs = new Counter({
    name: `${METRIC_PREFIX}jobs_total`,
    help: 'Jobs the worker ran, by outcome (completed, cancelled, timed_out, interrupted, failed)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const images = new Counter({
    name: `${METRIC_PREFIX}images_total`,
    help: 'Images generated, by model',
    labelNames: ['model'] as const,
    registers,
  });
  const refusals = new Counter({
    name: `${METRIC_PREFIX}refusals_total`,
    help: 'Requests turned away before they were queued, by reason (error code)',
    labelNames: ['reason'] as const,
    registers,
  });
  const denoiseSteps = new Counter({
    name: `${METRIC_PREFIX}denoise_steps_total`,
    help: 'Denoising steps run (steps × images of finished jobs)',
    registers,
  });
  const denoiseSeconds = new Counter({
    name: `${METRIC_PREFIX}denoise_seconds_total`,
    help: 'Time spent denoising in finished jobs; rate(steps)/rate(seconds) is the steps per second',
    registers,
  });

  return {
    registry,
    queueLength,
    waitSeconds,
    jobDurationSeconds,
    stepsPerSecond,
    lastStepsPerSecond,
    errors,
    workerRestarts,
    jobs,
    images,
    refusals,
    denoiseSteps,
    denoiseSeconds,
    workerResidentMemory,
    bindSources: (bound) => {
      sources = bound;
    },
    observeWait: (waitMs) => waitSeconds.observe(waitMs / MS_PER_SECOND),
    observeJob: (job) => {
      jobs.inc({ outcome: 'completed' });
      images.inc({ model: job.model }, job.images);
      jobDurationSeconds.observe({ model: job.model }, job.durationMs / MS_PER_SECOND);
      const activeMs = job.denoiseMs ?? job.durationMs;
      denoiseSteps.inc(job.steps);
      denoiseSeconds.inc(activeMs / MS_PER_SECOND);
      if (job.steps > 0 && activeMs > 0) {
        const rate = job.steps / (activeMs / MS_PER_SECOND);
        stepsPerSecond.observe({ model: job.model }, rate);
        lastStepsPerSecond.set({ model: job.model }, rate);
      }
    },
    countError: (code) => {
      errors.inc({ code });
      jobs.inc({ outcome: jobOutcome(code) });
    },
    countRefusal: (reason) => refusals.inc({ reason }),
    countWorkerRestart: () => workerRestarts.inc(),
  };
}
