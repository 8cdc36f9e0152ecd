// Prometheus metrics for the bot, on a registry of their own so tests and several bots in one
// process never share counters. The helpers take milliseconds, as the rest of the code does, and
// record seconds, as Prometheus expects.
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
  /** Node process metrics (memory, CPU, event loop lag) with the same prefix; on by default. */
  readonly processMetrics?: boolean;
}

export interface CompletedJob {
  readonly model: string;
  readonly durationMs: number;
  readonly steps: number;
  /** Time spent denoising; steps per second is computed from it when given, else from durationMs. */
  readonly denoiseMs?: number;
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
  setQueueLength(length: number): void;
  observeWait(waitMs: number): void;
  observeJob(job: CompletedJob): void;
  countError(code: string): void;
  countWorkerRestart(): void;
}

export function createMetrics(options: MetricsOptions = {}): BotMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  const queueLength = new Gauge({ name: `${METRIC_PREFIX}queue_length`, help: 'Jobs waiting in the queue', registers });
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

  return {
    registry,
    queueLength,
    waitSeconds,
    jobDurationSeconds,
    stepsPerSecond,
    lastStepsPerSecond,
    errors,
    workerRestarts,
    setQueueLength: (length) => queueLength.set(length),
    observeWait: (waitMs) => waitSeconds.observe(waitMs / MS_PER_SECOND),
    observeJob: (job) => {
      jobDurationSeconds.observe({ model: job.model }, job.durationMs / MS_PER_SECOND);
      const activeMs = job.denoiseMs ?? job.durationMs;
      if (job.steps > 0 && activeMs > 0) {
        const rate = job.steps / (activeMs / MS_PER_SECOND);
        stepsPerSecond.observe({ model: job.model }, rate);
        lastStepsPerSecond.set({ model: job.model }, rate);
      }
    },
    countError: (code) => errors.inc({ code }),
    countWorkerRestart: () => workerRestarts.inc(),
  };
}
