// Finished PNGs travel through Redis keys with a TTL rather than in BullMQ's return value, so the
// completed-job hash and the event stream stay small. The bot takes them and deletes the keys.
import type { Redis } from 'ioredis';
import { resultKey } from './redis-names.js';

/** Long enough for a bot that was down to come back and collect them. */
export const RESULT_TTL_MS = 24 * 60 * 60_000;

export async function putResultImages(redis: Redis, jobId: string, pngs: readonly Uint8Array[], ttlMs = RESULT_TTL_MS): Promise<string[]> {
  const keys = pngs.map((_, index) => resultKey(jobId, index));
  const batch = redis.multi();
  for (const [index, png] of pngs.entries()) batch.set(resultKey(jobId, index), Buffer.from(png), 'PX', ttlMs);
  await batch.exec();
  return keys;
}

/** The PNGs in order; undefined when any has expired or was already taken. */
export async function readResultImages(redis: Redis, keys: readonly string[]): Promise<Uint8Array[] | undefined> {
  if (keys.length === 0) return [];
  const values = await redis.mgetBuffer(...keys);
  if (values.some((value) => value === null)) return undefined;
  return values.map((value) => new Uint8Array(value ?? Buffer.alloc(0)));
}

export async function deleteResultImages(redis: Redis, keys: readonly string[]): Promise<void> {
  if (keys.length > 0) await redis.del(...keys);
}
