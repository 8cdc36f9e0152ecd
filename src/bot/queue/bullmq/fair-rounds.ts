// Fairness for the whole cluster. A job's BullMQ priority is its owner's round: one past the
// user's latest pending job, and never before the round the workers are serving now, so a user's
// third job waits behind everyone's first and second wherever they run. Equal priorities are FIFO.
// Pending jobs per user live in a sorted set scored by round, which is also the global per-user cap.
import type { Redis } from 'ioredis';
import { OPEN_JOBS_KEY, SERVING_ROUND_KEY, pendingKey } from './redis-names.js';

/** BullMQ runs priority 1 first; 0 would mean "no priority" and jump every prioritised job. */
const FIRST_ROUND = 1;

const ADMIT = `
local pending = redis.call('ZCARD', KEYS[1])
if pending >= tonumber(ARGV[2]) then return {-1, pending} end
local serving = tonumber(redis.call('GET', KEYS[2]) or ARGV[4])
local round = serving
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then round = math.max(serving, tonumber(last[2]) + 1) end
redis.call('ZADD', KEYS[1], round, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return {round, pending}
`;

const SERVE = `
local serving = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > serving then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`;

const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('DEL', KEYS[3]) end
return 1
`;

export type Admission = { readonly ok: true; readonly round: number } | { readonly ok: false; readonly pending: number };

/** Reserves a place for `jobId` unless `user` already has `maxPerUser` jobs pending anywhere. */
export async function admitJob(redis: Redis, user: string, jobId: string, model: string, maxPerUser: number): Promise<Admission> {
  const [round, pending] = (await redis.eval(ADMIT, 3, pendingKey(user), SERVING_ROUND_KEY, OPEN_JOBS_KEY, jobId, maxPerUser, model, FIRST_ROUND)) as [
    number,
    number,
  ];
  return round < 0 ? { ok: false, pending } : { ok: true, round };
}

/** A worker started a job of this round: later arrivals start from here. */
export async function serveRound(redis: Redis, round: number): Promise<void> {
  await redis.eval(SERVE, 1, SERVING_ROUND_KEY, round);
}

/** The job ended (or never got queued): the user's place is free; an idle cluster starts over at round 1. */
export async function releaseJob(redis: Redis, user: string, jobId: string): Promise<void> {
  await redis.eval(RELEASE, 3, pendingKey(user), OPEN_JOBS_KEY, SERVING_ROUND_KEY, jobId);
}

/** Every open job's id and model, across all bots. */
export async function openJobs(redis: Redis): Promise<Map<string, string>> {
  return new Map(Object.entries(await redis.hgetall(OPEN_JOBS_KEY)));
}

export async function pendingCount(redis: Redis, user: string): Promise<number> {
  return redis.zcard(pendingKey(user));
}
