// Token buckets in Redis, charged atomically by one Lua script, so several bot processes can
// share limits. Same arithmetic as token-bucket.ts; the time comes from the caller.
import type { BucketCharge, BucketStore, ChargeOutcome } from './bucket-store.js';

/** The part of a node-redis client this store uses (what @keyv/redis's getClient() returns). */
export interface RedisScriptClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

// KEYS: bucket keys. ARGV: now, cost, then capacity and windowMs for each key.
// Returns { ok (1|0), index (1-based, refusing bucket), retryAfterMs, tokens... as strings }.
const CHARGE_SCRIPT = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local levels = {}
local worstWait, worstIndex = 0, 0
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[1 + 2 * i])
  local rate = capacity / tonumber(ARGV[2 + 2 * i])
  local stored = redis.call('HMGET', KEYS[i], 'tokens', 'updatedAt')
  local level = capacity
  if stored[1] and stored[2] then
    level = math.min(capacity, tonumber(stored[1]) + math.max(0, now - tonumber(stored[2])) * rate)
  end
  levels[i] = level
  if cost > 0 and level < cost then
    local wait = math.ceil((cost - level) / rate)
    if wait > worstWait then worstWait, worstIndex = wait, i end
  end
end
local reply = {}
if worstIndex > 0 then
  reply = {0, worstIndex, worstWait}
  for i = 1, #KEYS do reply[3 + i] = tostring(levels[i]) end
  return reply
end
reply = {1, 0, 0}
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[1 + 2 * i])
  local rate = capacity / tonumber(ARGV[2 + 2 * i])
  local level = math.min(capacity, levels[i] - cost)
  if cost ~= 0 then
    local untilFull = math.ceil((capacity - level) / rate)
    if untilFull <= 0 then
      redis.call('DEL', KEYS[i])
    else
      redis.call('HSET', KEYS[i], 'tokens', tostring(level), 'updatedAt', tostring(now))
      redis.call('PEXPIRE', KEYS[i], untilFull)
    end
  end
  reply[3 + i] = tostring(level)
end
return reply
`;

export class RedisBucketStore implements BucketStore {
  constructor(
    private readonly client: () => Promise<RedisScriptClient>,
    private readonly prefix = 'imagine:bucket:',
  ) {}

  async charge(buckets: readonly BucketCharge[], cost: number, now: number): Promise<ChargeOutcome> {
    const client = await this.client();
    const reply = await client.eval(CHARGE_SCRIPT, {
      keys: buckets.map((bucket) => this.prefix + bucket.key),
      arguments: [
        String(now),
        String(cost),
        ...buckets.flatMap((bucket) => [String(bucket.limit.capacity), String(bucket.limit.windowMs)]),
      ],
    });
    if (!Array.isArray(reply) || reply.length !== 3 + buckets.length) {
      throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
    }
    const [ok, index, retryAfterMs, ...levels] = reply.map(Number);
    const tokens = levels;
    return ok === 1
      ? { ok: true, tokens }
      : { ok: false, index: (index ?? 1) - 1, retryAfterMs: retryAfterMs ?? 0, tokens };
  }
}
