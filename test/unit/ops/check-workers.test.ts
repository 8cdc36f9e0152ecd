// The doctor lists the worker hosts whose heartbeat Redis holds, and warns when there is none.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceWorker } from '../../../src/bot/queue/bullmq/worker-registry.js';
import { checkWorkers } from '../../../src/ops/doctor/check-workers.js';
import { REDIS_SKIP_REASON, redisServerAvailable, startRedis } from '../bot/core/redis-server.js';
import type { RunningRedis } from '../bot/core/redis-server.js';

const available = redisServerAvailable();
if (!available) console.warn(REDIS_SKIP_REASON);

describe.skipIf(!available)('doctor: worker hosts', () => {
  let redis: RunningRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('warns when no worker host has a heartbeat', async () => {
    expect(await checkWorkers(redis.url)).toEqual([{ check: 'workers', status: 'warn', detail: expect.stringContaining('npm run worker') }]);
  });

  it('lists each live host with its models, provider, load and speed', async () => {
    const now = Date.now();
    await announceWorker(client, { name: 'gpu-1', models: ['sd-turbo', 'sdxl'], provider: 'cuda', concurrency: 1, running: 1, stepsPerSecond: 9.5, startedAt: now - 60_000, seenAt: now - 2_000 });
    await announceWorker(client, { name: 'gpu-2', models: ['sd-turbo'], provider: 'cpu', concurrency: 2, running: 0, stepsPerSecond: 0, startedAt: now, seenAt: now });
    expect(await checkWorkers(redis.url, now)).toEqual([
      { check: 'worker gpu-1', status: 'ok', detail: 'sd-turbo, sdxl on cuda; 1/1 running; 9.5 steps/s; seen 2 s ago' },
      { check: 'worker gpu-2', status: 'ok', detail: 'sd-turbo on cpu; 0/2 running; no job finished yet; seen 0 s ago' },
    ]);
  });

  it('says so when Redis cannot be reached', async () => {
    const [row] = await checkWorkers('redis://127.0.0.1:1');
    expect(row).toMatchObject({ check: 'workers', status: 'fail' });
  });
});
