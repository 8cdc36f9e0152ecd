// The bookkeeping the whole cluster shares, each change one Lua script so that bots and worker
// hosts never see half of it:
// - fairness: a job's round is one past its owner's latest pending job and never before the round
//   the workers serve now, so a user's third job waits behind everyone's first and second;
// - the caps (waiting jobs in total, pending jobs per user) checked in the same step as the add;
// - the global waiting order (round, then arrival) that positions and ETAs are read from.
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { UserKey } from '../../../commands/ports.js';
import { LEDGER_KEYS, pendingKey } from './redis-names.js';

/** BullMQ runs priority 1 first; 0 would mean "no priority" and jump every prioritised job. */
export const FIRST_ROUND = 1;
/** Waiting score = round × this + arrival number: exact in a double for any realistic round. */
const ROUND_WEIGHT = 1e9;

const ADMIT = `
if redis.call('EXISTS', KEYS[7]) == 1 then return {-3, 0} end
local pending = redis.call('ZCARD', KEYS[1])
if pending >= tonumber(ARGV[2]) then return {-2, pending} end
local waiting = redis.call('ZCARD', KEYS[2])
if waiting >= tonumber(ARGV[3]) then return {-1, waiting} end
local serving = tonumber(redis.call('GET', KEYS[5]) or ARGV[5])
local round = serving
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then round = math.max(serving, tonumber(last[2]) + 1) end
local seq = redis.call('INCR', KEYS[6]) % tonumber(ARGV[6])
local score = round * tonumber(ARGV[6]) + seq
redis.call('ZADD', KEYS[1], round, ARGV[1])
redis.call('ZADD', KEYS[2], score, ARGV[1])
local meta = cjson.decode(ARGV[4])
meta.round = round
redis.call('HSET', KEYS[4], ARGV[1], cjson.encode(meta))
redis.call('HSET', KEYS[3], ARGV[1], score)
return {round, redis.call('ZRANK', KEYS[2], ARGV[1])}
`;

const START = `
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
local serving = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[2]) > serving then redis.call('SET', KEYS[3], ARGV[2]) end
return 1
`;

const REQUEUE = `
local score = redis.call('HGET', KEYS[3], ARGV[1])
if not score then return 0 end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], score, ARGV[1])
return 1
`;

const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
if redis.call('HLEN', KEYS[4]) == 0 then redis.call('DEL', KEYS[6]) end
return 1
`;

const userKeySchema = z.custom<UserKey>((value) => typeof value === 'string' && /^(discord|slack|playground):./.test(value));

const metaSchema = z.object({
  user: userKeySchema,
  model: z.string(),
  cost: z.number(),
  /** The bot that delivers this job. */
  owner: z.string(),
  round: z.number(),
});

export type LedgerMeta = z.output<typeof metaSchema>;

export type LedgerAdmission =
  | { readonly ok: true; readonly round: number; readonly position: number }
  | { readonly ok: false; readonly reason: 'intake_paused' | 'too_many_pending' | 'queue_full'; readonly count: number };

const REFUSALS = { [-1]: 'queue_full', [-2]: 'too_many_pending', [-3]: 'intake_paused' } as const;

export class QueueLedger {
  constructor(private readonly redis: Redis) {}

  async admit(
    jobId: string,
    meta: Omit<LedgerMeta, 'round'>,
    caps: { readonly maxWaiting: number; readonly maxPerUser: number },
  ): Promise<LedgerAdmission> {
    const k = LEDGER_KEYS;
    const [round, count] = (await this.redis.eval(
      ADMIT,
      7,
      pendingKey(meta.user),
      k.waiting,
      k.scores,
      k.open,
      k.serving,
      k.sequence,
      k.paused,
      jobId,
      caps.maxPerUser,
      caps.maxWaiting,
      JSON.stringify({ ...meta, round: 0 }),
      FIRST_ROUND,
      ROUND_WEIGHT,
    )) as [number, number];
    if (round < 0) return { ok: false, reason: REFUSALS[round as -1 | -2 | -3], count };
    return { ok: true, round, position: count + 1 };
  }

  /** A worker took the job: it leaves the waiting order; later arrivals start from its round. */
  async start(jobId: string, round: number): Promise<boolean> {
    const k = LEDGER_KEYS;
    return (await this.redis.eval(START, 4, k.waiting, k.running, k.serving, k.open, jobId, round)) === 1;
  }

  /** Its worker was lost: back to its old place in line. */
  async requeue(jobId: string): Promise<void> {
    const k = LEDGER_KEYS;
    await this.redis.eval(REQUEUE, 3, k.waiting, k.running, k.scores, jobId);
  }

  /** The job has ended: out of the line and off the running list (still open until delivered). */
  async leaveLine(jobId: string): Promise<void> {
    await this.redis.multi().zrem(LEDGER_KEYS.waiting, jobId).srem(LEDGER_KEYS.running, jobId).exec();
  }

  /** The job ended or was never queued; an idle cluster starts over at the first round. */
  async release(jobId: string, user: string): Promise<void> {
    const k = LEDGER_KEYS;
    await this.redis.eval(RELEASE, 6, pendingKey(user), k.waiting, k.running, k.open, k.scores, k.serving, jobId);
  }

  async meta(jobId: string): Promise<LedgerMeta | undefined> {
    return parseMeta(await this.redis.hget(LEDGER_KEYS.open, jobId));
  }

  /** Every open job with its meta. */
  async openJobs(): Promise<Map<string, LedgerMeta>> {
    const all = await this.redis.hgetall(LEDGER_KEYS.open);
    const jobs = new Map<string, LedgerMeta>();
    for (const [jobId, value] of Object.entries(all)) {
      const meta = parseMeta(value);
      if (meta !== undefined) jobs.set(jobId, meta);
    }
    return jobs;
  }

  /** Each job's place in the arrival order (round, then arrival). */
  async scores(jobIds: readonly string[]): Promise<Map<string, number>> {
    if (jobIds.length === 0) return new Map();
    const values = await this.redis.hmget(LEDGER_KEYS.scores, ...jobIds);
    return new Map(jobIds.map((jobId, index) => [jobId, Number(values[index] ?? 0)]));
  }

  /** Waiting job ids in the order they start. */
  waitingOrder(): Promise<string[]> {
    return this.redis.zrange(LEDGER_KEYS.waiting, 0, -1);
  }

  running(): Promise<string[]> {
    return this.redis.smembers(LEDGER_KEYS.running);
  }

  async isRunning(jobId: string): Promise<boolean> {
    return (await this.redis.sismember(LEDGER_KEYS.running, jobId)) === 1;
  }

  /** 0-based place among the waiting jobs, or undefined when not waiting. */
  async waitingRank(jobId: string): Promise<number | undefined> {
    return (await this.redis.zrank(LEDGER_KEYS.waiting, jobId)) ?? undefined;
  }

  /** A user's pending jobs, in round order. */
  pendingOf(user: string): Promise<string[]> {
    return this.redis.zrange(pendingKey(user), 0, -1);
  }

  async counts(): Promise<{ waiting: number; running: number }> {
    const [waiting, running] = await Promise.all([this.redis.zcard(LEDGER_KEYS.waiting), this.redis.scard(LEDGER_KEYS.running)]);
    return { waiting, running };
  }

  async setPaused(paused: boolean): Promise<void> {
    if (paused) await this.redis.set(LEDGER_KEYS.paused, '1');
    else await this.redis.del(LEDGER_KEYS.paused);
  }

  async isPaused(): Promise<boolean> {
    return (await this.redis.exists(LEDGER_KEYS.paused)) === 1;
  }

  async countStall(): Promise<void> {
    await this.redis.incr(LEDGER_KEYS.stalls);
  }

  async stalls(): Promise<number> {
    return Number((await this.redis.get(LEDGER_KEYS.stalls)) ?? 0);
  }
}

function parseMeta(value: string | null | undefined): LedgerMeta | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const parsed = metaSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
