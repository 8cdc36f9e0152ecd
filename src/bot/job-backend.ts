// Where jobs run, chosen by JOB_QUEUE: `local` keeps today's single process (the fair queue and
// a pipeline process of its own); `redis` hands jobs to BullMQ for `npm run worker` hosts, and
// runs a worker host here too only with LOCAL_WORKER=true. Either way the job service sees one
// JobQueue, and /healthz one report.
import type Keyv from 'keyv';
import { PipelineClient } from '../pipeline/ipc/client.js';
import type { ModelKind } from '../pipeline/types.js';
import type { AppConfig } from './app-config.js';
import { LocalJobQueue } from './core/local-job-queue.js';
import type { Logger } from './core/logger.js';
import type { JobQueue } from './core/ports/job-queue.js';
import { QueueJournal } from './core/queue-journal.js';
import { registerClusterMetrics } from './observability/cluster-metrics.js';
import type { BotMetrics } from './observability/create-metrics.js';
import type { HealthReport } from './observability/health-report.js';
import { InstrumentedGenerator } from './observability/instrumented-generator.js';
import type { WorkerHealth } from './observability/worker-health.js';
import { pipelineWorkerArgs } from './pipeline-worker-args.js';
import { BullmqJobQueue } from './queue/bullmq/bullmq-job-queue.js';
import { loadWorkerHostConfig } from './worker-host/worker-host-config.js';
import { startWorkerHost } from './worker-host/worker-host.js';
import type { RunningWorkerHost } from './worker-host/worker-host.js';

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;

export interface JobBackendDeps {
  readonly metrics: BotMetrics;
  readonly health: WorkerHealth;
  readonly keyv: Keyv;
  readonly logger: Logger;
  /** When a job was accepted, for the wait metric (kept in the service's memory). */
  readonly acceptedAt: (jobId: string) => number | undefined;
}

export interface JobBackend {
  readonly queue: JobQueue;
  health(): Promise<HealthReport>;
  /** Jobs waiting over the whole queue, for the scrape-time gauge. */
  queueLength(): Promise<number>;
  /** After the job service has drained: the pipeline process or the local worker host goes. */
  close(): Promise<void>;
}

/** A bot's name on the shared queue: the platforms it serves, so a restart finds its own jobs. */
export function ownerName(config: AppConfig): string {
  return [config.discord ? 'discord' : '', config.slack ? 'slack' : '', config.playground ? 'playground' : ''].filter((name) => name !== '').join('+');
}

export async function startJobBackend(config: AppConfig, env: NodeJS.ProcessEnv, kinds: Readonly<Record<string, ModelKind>>, deps: JobBackendDeps): Promise<JobBackend> {
  const { core } = config;
  const models = config.models.map((model) => model.name);
  if (core.JOB_QUEUE === 'redis' && core.REDIS_URL !== undefined) {
    let localWorker: RunningWorkerHost | undefined;
    if (core.LOCAL_WORKER) localWorker = await startWorkerHost({ config: loadWorkerHostConfig(env), logger: deps.logger });
    const queue = new BullmqJobQueue({ redisUrl: core.REDIS_URL, owner: ownerName(config), models, logger: deps.logger });
    const cluster = async () => {
      const [workers, waitingByModel, stalledRetries] = await Promise.all([queue.workers(), queue.waitingByModel(), queue.stalledRetries()]);
      return { workers: workers.length, waitingByModel, stalledRetries };
    };
    registerClusterMetrics(deps.metrics.registry, cluster);
    return {
      queue,
      health: async () => {
        const state = await cluster();
        const queueLength = Object.values(state.waitingByModel).reduce((sum, waiting) => sum + waiting, 0);
        return {
          state: state.workers > 0 ? 'ready' : 'down',
          ...(state.workers > 0 ? {} : { reason: 'no worker host has a heartbeat in Redis: start one with npm run worker' }),
          queueLength,
          ...state,
        };
      },
      queueLength: async () => Object.values(await queue.waitingByModel()).reduce((sum, waiting) => sum + waiting, 0),
      close: async () => {
        await localWorker?.stop('bot shutdown');
      },
    };
  }

  const client = await PipelineClient.start({
    args: pipelineWorkerArgs(config, kinds),
    jobDeadlineMs: core.JOB_DEADLINE_MINUTES * MINUTE_MS,
    heartbeatTimeoutMs: core.WORKER_HEARTBEAT_TIMEOUT_SECONDS * SECOND_MS,
    onEvent: deps.health.handle,
  });
  const queue = new LocalJobQueue({
    generator: new InstrumentedGenerator(client, deps.metrics, deps.acceptedAt),
    journal: new QueueJournal(deps.keyv),
    queue: { concurrency: core.QUEUE_CONCURRENCY },
    logger: deps.logger,
  });
  return {
    queue,
    health: async () => {
      const queueLength = queue.waitingCount;
      return { ...deps.health.report(), queueLength };
    },
    queueLength: async () => queue.waitingCount,
    close: () => client.close(),
  };
}
