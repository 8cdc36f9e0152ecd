// With JOB_QUEUE=redis, jobs run on `npm run worker` hosts: list the ones whose heartbeat Redis
// holds, so an operator sees at once which hosts are up and what they serve.
import { Redis } from 'ioredis';
import { listWorkers } from '../../bot/queue/bullmq/worker-registry.js';
import type { WorkerInfo } from '../../bot/queue/bullmq/worker-registry.js';
import type { DoctorRow } from './doctor-row.js';

const CONNECT_TIMEOUT_MS = 3_000;
const MS_PER_SECOND = 1000;

function describeWorker(worker: WorkerInfo, now: number): string {
  const speed = worker.stepsPerSecond > 0 ? `${worker.stepsPerSecond} steps/s` : 'no job finished yet';
  const seen = Math.max(0, Math.round((now - worker.seenAt) / MS_PER_SECOND));
  return `${worker.models.join(', ')} on ${worker.provider}; ${worker.running}/${worker.concurrency} running; ${speed}; seen ${seen} s ago`;
}

export async function checkWorkers(redisUrl: string, now = Date.now()): Promise<DoctorRow[]> {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined); // the redis row already says why
  try {
    await redis.connect();
    const workers = await listWorkers(redis);
    if (workers.length === 0) {
      return [{ check: 'workers', status: 'warn', detail: 'no worker host is running: jobs wait until one starts (npm run worker on a GPU host)' }];
    }
    return workers.map((worker) => ({ check: `worker ${worker.name}`, status: 'ok', detail: describeWorker(worker, now) }));
  } catch (error) {
    return [{ check: 'workers', status: 'fail', detail: `could not list worker hosts: ${error instanceof Error ? error.message : String(error)}` }];
  } finally {
    redis.disconnect();
  }
}
