import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserKey } from '../../../../src/commands/ports.js';
import { KeyvRateLimiter } from '../../../../src/bot/core/rate-limiter.js';
import { errorReply } from '../../../../src/commands/replies.js';
import { UserFacingError } from '../../../../src/commands/user-facing-error.js';
import type { RateLimitConfig } from '../../../../src/bot/core/rate-limiter.js';
import { REDIS_SKIP_REASON, redisServerAvailable, startRedis } from './redis-server.js';
import type { RunningRedis } from './redis-server.js';

const TEN_MINUTES = 10 * 60_000;
const PER_IMAGE_MS = TEN_MINUTES / 20; // 30 s to earn one image back
const alice: UserKey = 'discord:alice';
const bob: UserKey = 'discord:bob';
const admin: UserKey = 'slack:boss';

interface Backend {
  readonly name: string;
  open(): Promise<Keyv>;
}

let dir = '';
let redis: RunningRedis | undefined;
const hasRedis = redisServerAvailable();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-limits-'));
  if (hasRedis) redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
const backends: Backend[] = [
  { name: 'memory', open: async () => new Keyv() },
  { name: 'sqlite', open: async () => new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, `limits-${fileCount++}.sqlite`)}`) }) },
  {
    name: 'redis',
    open: async () => {
      if (redis === undefined) throw new Error(REDIS_SKIP_REASON);
      const keyv = new Keyv({ store: new KeyvRedis(redis.url), namespace: `t${fileCount++}` });
      return keyv;
    },
  },
];

function limiterOn(keyv: Keyv, clock: { now: number }, config: Partial<RateLimitConfig> = {}): KeyvRateLimiter {
  return KeyvRateLimiter.forKeyv(keyv, {
    perUser: { capacity: 20, windowMs: TEN_MINUTES },
    bypass: [admin],
    now: () => clock.now,
    ...config,
  });
}

describe.each(backends)('KeyvRateLimiter on $name', ({ name, open }) => {
  const skip = name === 'redis' && !hasRedis;

  it.skipIf(skip)('charges per image and says exactly when the next images are earned', async () => {
    const keyv = await open();
    const clock = { now: 1_700_000_000_000 };
    const limiter = limiterOn(keyv, clock);
    for (let i = 0; i < 5; i++) expect(await limiter.take({ user: alice }, 4)).toEqual({ ok: true });

    const refused = await limiter.take({ user: alice }, 1);
    expect(refused).toMatchObject({ ok: false, scope: 'user', retryAfterMs: PER_IMAGE_MS });
    const four = await limiter.take({ user: alice }, 4);
    expect(four).toMatchObject({ ok: false, retryAfterMs: 4 * PER_IMAGE_MS });

    clock.now += PER_IMAGE_MS;
    expect(await limiter.take({ user: alice }, 1)).toEqual({ ok: true });
    expect(await limiter.take({ user: bob }, 4)).toEqual({ ok: true }); // buckets are per user
    expect(await limiter.remaining(alice)).toEqual({ images: 0, capacity: 20, refillMs: TEN_MINUTES });
    await keyv.disconnect();
  });

  it.skipIf(skip)('shares an optional cap per guild, lets admins bypass, and refunds', async () => {
    const keyv = await open();
    const clock = { now: 1_700_000_000_000 };
    const limiter = limiterOn(keyv, clock, { perGuild: { capacity: 6, windowMs: 60 * 60_000 } });
    const guild = 'discord:g1';
    expect(await limiter.take({ user: alice, guild }, 4)).toEqual({ ok: true });
    const refused = await limiter.take({ user: bob, guild }, 4);
    expect(refused).toMatchObject({ ok: false, scope: 'guild', retryAfterMs: 2 * 10 * 60_000 });
    expect(await limiter.take({ user: bob }, 4)).toEqual({ ok: true }); // outside the guild
    for (let i = 0; i < 10; i++) expect(await limiter.take({ user: admin, guild }, 4)).toEqual({ ok: true });

    await limiter.refund({ user: alice, guild }, 4);
    expect(await limiter.take({ user: bob, guild }, 4)).toEqual({ ok: true });
    expect((await limiter.remaining(alice)).images).toBe(20);
    await keyv.disconnect();
  });

  it.skipIf(skip)('never hands out more than the bucket holds under concurrent requests', async () => {
    const keyv = await open();
    const limiter = limiterOn(keyv, { now: 1_700_000_000_000 });
    const decisions = await Promise.all(Array.from({ length: 30 }, () => limiter.take({ user: alice }, 1)));
    expect(decisions.filter((decision) => decision.ok)).toHaveLength(20);
    await keyv.disconnect();
  });
});

describe('rate limits across a restart', () => {
  it('keeps the bucket in the same SQLite file', async () => {
    const file = join(dir, 'restart.sqlite');
    const clock = { now: 1_700_000_000_000 };
    const before = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) });
    expect(await limiterOn(before, clock).take({ user: alice }, 20)).toEqual({ ok: true });
    await before.disconnect();

    clock.now += 60_000;
    const after = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) });
    const decision = await limiterOn(after, clock).take({ user: alice }, 4);
    expect(decision).toMatchObject({ ok: false, retryAfterMs: 4 * PER_IMAGE_MS - 60_000 });
    await after.disconnect();
  });
});

describe('the rate_limited refusal a user reads', () => {
  it.each([
    { scope: 'user' as const, cost: 1, retryAfterMs: 30_000, says: 'You can make 20 images per 10 min. Try again in 30 s.' },
    { scope: 'guild' as const, cost: 2, retryAfterMs: 90_500, says: 'This server/workspace can make 20 images per 10 min. Try again in 1 min 31 s.' },
    { scope: 'user' as const, cost: 25, retryAfterMs: 150_000, says: 'You can make 20 images per 10 min; ask for at most 20 at a time.' },
  ])('$scope, cost $cost: "$says"', ({ scope, cost, retryAfterMs, says }) => {
    const error = UserFacingError.of('rate_limited', { retryAfterMs, limit: { capacity: 20, windowMs: TEN_MINUTES, scope }, requested: cost });
    expect(errorReply(error).text).toBe(says);
  });
});

if (!hasRedis) {
  describe('Redis-backed rate limits', () => {
    it.skip(`is skipped: ${REDIS_SKIP_REASON}`, () => undefined);
  });
}
