// At-least-once underneath, exactly once to the user: a job may be computed twice (a stalled job
// is retried) and two bots may both hear it end, so whoever posts takes this mark first.
import type { Redis } from 'ioredis';
import { deliveredKey } from './redis-names.js';

/** The mark outlives any retry of the job. */
export const DELIVERED_TTL_MS = 7 * 24 * 60 * 60_000;

/** True for exactly one caller per job. */
export async function claimDelivery(redis: Redis, jobId: string, by: string): Promise<boolean> {
  return (await redis.set(deliveredKey(jobId), by, 'PX', DELIVERED_TTL_MS, 'NX')) === 'OK';
}
