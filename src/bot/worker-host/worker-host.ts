// A worker host: takes jobs for its models from Redis, runs them in its pipeline processes (so
// onnxruntime never blocks the event loop that renews the job locks), and tells Redis it is alive
// with a heartbeat that carries its name, models, provider and speed.
import { Redis } from 'ioredis';
import type { PipelineClientOptions } from '../../pipeline/ipc/client.js';
import { guessModelKind } from '../../pipeline/model/guess-model-kind.js';
import type { ModelKind } from '../../pipeline/types.js';
import type { Logger } from '../core/logger.js';
import { GracefulShutdown } from '../core/shutdown.js';
import { pipelineWorkerArgs } from '../pipeline-worker-args.js';
import { JobConsumer } from '../queue/bullmq/job-consumer.js';
import { WORKER_HEARTBEAT_MS, announceWorker, withdrawWorker } from '../queue/bullmq/worker-registry.js';
import { PipelinePool } from './pipeline-pool.js';
import { StepsRate } from './steps-rate.js';
import type { WorkerHostConfig } from './worker-host-config.js';

const MINUTE_MS = 60_000;

export interface WorkerHostOptions {
  readonly config: WorkerHostConfig;
  readonly logger: Logger;
  /** Replaces parts of the pipeline process options (tests and benchmarks run a fake worker). */
  readonly pipeline?: (options: PipelineClientOptions) => PipelineClientOptions;
  readonly installSignals?: boolean;
  readonly heartbeatMs?: number;
  /** Reads a model folder's kind; the folder's own files by default. */
  readonly readKind?: (dir: string) => Promise<ModelKind>;
}

export interface RunningWorkerHost {
  readonly name: string;
  /** Resolves once the host has shut down, with what started it. */
  readonly done: Promise<string>;
  stop(reason?: string): Promise<void>;
}

export async function startWorkerHost(options: WorkerHostOptions): Promise<RunningWorkerHost> {
  const { config, logger } = options;
  const { app } = config;
  const kinds: Record<string, ModelKind> = {};
  for (const model of app.models) kinds[model.name] = await (options.readKind ?? guessModelKind)(model.dir);
  const clientOptions: PipelineClientOptions = {
    args: pipelineWorkerArgs(app, kinds),
    jobDeadlineMs: app.core.JOB_DEADLINE_MINUTES * MINUTE_MS,
    onEvent: (event) => {
      if (event.type === 'exit') logger.warn({ pid: event.pid, exit: event.exit }, 'pipeline process exited');
    },
  };
  const pool = await PipelinePool.start(config.concurrency, options.pipeline?.(clientOptions) ?? clientOptions);

  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (error: unknown) => logger.warn({ err: error }, 'redis connection error'));
  const models = app.models.map((model) => model.name);
  const rate = new StepsRate();
  const startedAt = Date.now();

  const consumer = await JobConsumer.start({
    connection: redis,
    models,
    name: config.name,
    concurrency: config.concurrency,
    lockMs: config.lockMs,
    logger,
    generate: async (job, { signal, onProgress }) => {
      const { jobId, model } = job.data;
      logger.info({ jobId, model, restarts: job.restarts }, 'job started');
      const result = await pool.generate({ jobId, model, params: job.params }, { signal, onProgress });
      rate.record(result.timings.msPerStep);
      logger.info({ jobId, model, ms: Math.round(result.timings.totalMs) }, 'job finished');
      return result;
    },
  });

  const heartbeat = (): Promise<void> =>
    announceWorker(redis, {
      name: config.name,
      models,
      provider: pool.provider,
      concurrency: config.concurrency,
      running: consumer.runningCount,
      stepsPerSecond: rate.perSecond,
      startedAt,
      seenAt: Date.now(),
    }).catch((error: unknown) => logger.warn({ err: error }, 'heartbeat failed'));
  await heartbeat();
  const timer = setInterval(() => void heartbeat(), options.heartbeatMs ?? WORKER_HEARTBEAT_MS);
  timer.unref();

  // Stop taking jobs, finish the running ones within the grace period, then leave the registry.
  const shutdown = new GracefulShutdown({
    service: {
      shutdown: async (graceMs) => {
        const finished = await consumer.close(graceMs);
        if (!finished) logger.warn({ graceMs }, 'grace period over: running jobs go to another worker once their lock expires');
      },
    },
    graceMs: app.core.SHUTDOWN_GRACE_SECONDS * 1000,
    logger,
    closers: [
      async () => clearInterval(timer),
      () => pool.close(),
      () => withdrawWorker(redis, config.name),
      async () => {
        await redis.quit();
      },
    ],
  });
  if (options.installSignals === true) shutdown.install();
  logger.info({ name: config.name, models, provider: pool.provider, concurrency: config.concurrency }, 'worker host is taking jobs');
  return { name: config.name, done: shutdown.done, stop: (reason = 'stop') => shutdown.run(reason) };
}
