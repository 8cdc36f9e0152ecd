// The JobQueue contract against the redis backend (JOB_QUEUE=redis): the bot-side BullMQ queue
// on a real redis-server, with one `npm run worker` host on the fake pipeline taking the jobs.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { silentLogger } from '../../src/bot/core/logger.js';
import { BullmqJobQueue } from '../../src/bot/queue/bullmq/bullmq-job-queue.js';
import { startWorkerHostProcess } from '../integration/queue/worker-host-process.js';
import type { WorkerHostProcess } from '../integration/queue/worker-host-process.js';
import { REDIS_SKIP_REASON, redisServerAvailable, startRedis } from '../unit/bot/core/redis-server.js';
import type { RunningRedis } from '../unit/bot/core/redis-server.js';
import { MODEL, describeJobQueueContract } from './job-queue.contract.js';

const available = redisServerAvailable();
if (!available) console.warn(REDIS_SKIP_REASON);

describe.skipIf(!available)('redis backend', () => {
  let redis: RunningRedis;
  let admin: Redis;
  let worker: WorkerHostProcess;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    worker = await startWorkerHostProcess({ redisUrl: redis.url, name: 'contract', behaviour: { stepDelayMs: 10 } });
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    admin?.disconnect();
    await redis?.stop();
  });

  const open = (): BullmqJobQueue => new BullmqJobQueue({ redisUrl: redis.url, owner: 'contract-bot', models: [MODEL], logger: silentLogger });
  describeJobQueueContract('redis (BullMQ) with a worker host', {
    async open() {
      // Fresh state, keeping the worker host's heartbeat (it renews it only every few seconds).
      const heartbeats = await admin.keys('imagine:workers:*');
      const kept = await Promise.all(heartbeats.map(async (key) => [key, await admin.get(key)] as const));
      await admin.flushall();
      for (const [key, value] of kept) if (value !== null) await admin.set(key, value, 'PX', 15_000);
      return { queue: open(), reopen: async () => open() };
    },
  });
});
