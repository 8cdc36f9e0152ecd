// Worker hosts announce themselves with a heartbeat key that expires: a host that dies simply
// disappears. The bot reads the list for ETAs and /healthz, the doctor for its table.
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { WORKER_KEY_PATTERN, workerKey } from './redis-names.js';

/** A heartbeat older than this is a dead host. */
export const WORKER_TTL_MS = 15_000;
/** Heartbeats come this often, well inside the TTL. */
export const WORKER_HEARTBEAT_MS = 5_000;
const SCAN_BATCH = 100;

const workerInfoSchema = z.object({
  name: z.string(),
  models: z.array(z.string()),
  provider: z.string(),
  concurrency: z.number().int().positive(),
  running: z.number().int().nonnegative(),
  /** Denoising steps per second over the recent jobs; 0 before the first one. */
  stepsPerSecond: z.number().nonnegative(),
  startedAt: z.number(),
  seenAt: z.number(),
});

export type WorkerInfo = z.output<typeof workerInfoSchema>;

export async function announceWorker(redis: Redis, info: WorkerInfo, ttlMs = WORKER_TTL_MS): Promise<void> {
  await redis.set(workerKey(info.name), JSON.stringify(info), 'PX', ttlMs);
}

export async function withdrawWorker(redis: Redis, name: string): Promise<void> {
  await redis.del(workerKey(name));
}

/** Live worker hosts, by name. */
export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', WORKER_KEY_PATTERN, 'COUNT', SCAN_BATCH);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  return values
    .flatMap((value) => {
      if (value === null) return [];
      try {
        const parsed = workerInfoSchema.safeParse(JSON.parse(value));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
