// Per-user (and optionally per-guild/workspace) image budgets as token buckets, charged per image.
// State lives in keyv, so limits survive a restart; on Redis the charge is one atomic script.
import type Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import type { UserKey } from '../../commands/ports.js';
import type { BucketCharge, BucketStore } from './bucket-store.js';
import { KeyvBucketStore } from './keyv-bucket-store.js';
import { RedisBucketStore } from './redis-bucket-store.js';
import type { RedisScriptClient } from './redis-bucket-store.js';
import { msUntilFull } from './token-bucket.js';
import type { BucketLimit } from './token-bucket.js';

export const DEFAULT_USER_LIMIT: BucketLimit = { capacity: 20, windowMs: 10 * 60_000 };

export interface RateLimitSubject {
  readonly user: UserKey;
  /** Platform-qualified guild or workspace (`discord:123`), when the request came from one. */
  readonly guild?: string;
}

export type RateLimitDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryAfterMs: number; readonly scope: 'user' | 'guild'; readonly limit: BucketLimit };

export interface RateLimiter {
  take(subject: RateLimitSubject, cost: number): Promise<RateLimitDecision>;
  /** Gives back images for a job that failed through no fault of the user's. */
  refund(subject: RateLimitSubject, cost: number): Promise<void>;
  remaining(user: UserKey): Promise<{ readonly images: number; readonly capacity: number; readonly refillMs: number }>;
}

export interface RateLimitConfig {
  readonly perUser?: BucketLimit;
  /** Shared by everyone in one guild/workspace; off when absent. */
  readonly perGuild?: BucketLimit;
  /** Users who are never limited (admins). */
  readonly bypass?: Iterable<UserKey>;
  readonly now?: () => number;
}

const KEY_PREFIX = 'ratelimit:';

export class KeyvRateLimiter implements RateLimiter {
  private readonly perUser: BucketLimit;
  private readonly bypass: ReadonlySet<UserKey>;
  private readonly now: () => number;

  constructor(
    private readonly store: BucketStore,
    private readonly config: RateLimitConfig = {},
  ) {
    this.perUser = config.perUser ?? DEFAULT_USER_LIMIT;
    this.bypass = new Set(config.bypass ?? []);
    this.now = config.now ?? Date.now;
    for (const limit of [this.perUser, config.perGuild]) {
      if (limit !== undefined && !(limit.capacity > 0 && limit.windowMs > 0)) {
        throw new Error(`rate limit needs a positive capacity and window, got ${JSON.stringify(limit)}`);
      }
    }
  }

  /** Buckets in `keyv`: atomic Lua on Redis, an in-process lock per key elsewhere (SQLite, memory). */
  static forKeyv(keyv: Keyv, config: RateLimitConfig = {}): KeyvRateLimiter {
    const backend = keyv.store as unknown;
    const store =
      backend instanceof KeyvRedis
        ? new RedisBucketStore(async () => (await backend.getClient()) as unknown as RedisScriptClient, `${keyv.namespace ?? 'keyv'}:${KEY_PREFIX}`)
        : new KeyvBucketStore(keyv, KEY_PREFIX);
    return new KeyvRateLimiter(store, config);
  }

  async take(subject: RateLimitSubject, cost: number): Promise<RateLimitDecision> {
    if (this.bypass.has(subject.user)) return { ok: true };
    const buckets = this.bucketsOf(subject);
    const outcome = await this.store.charge(buckets, cost, this.now());
    if (outcome.ok) return { ok: true };
    const refused = buckets[outcome.index];
    const scope = refused?.key.startsWith('guild:') === true ? 'guild' : 'user';
    return { ok: false, retryAfterMs: outcome.retryAfterMs, scope, limit: refused?.limit ?? this.perUser };
  }

  async refund(subject: RateLimitSubject, cost: number): Promise<void> {
    if (this.bypass.has(subject.user) || cost <= 0) return;
    await this.store.charge(this.bucketsOf(subject), -cost, this.now());
  }

  async remaining(user: UserKey): Promise<{ images: number; capacity: number; refillMs: number }> {
    const capacity = this.perUser.capacity;
    if (this.bypass.has(user)) return { images: capacity, capacity, refillMs: 0 };
    const outcome = await this.store.charge(this.bucketsOf({ user }), 0, this.now());
    const tokens = outcome.tokens[0] ?? capacity;
    return { images: Math.floor(tokens), capacity, refillMs: msUntilFull(tokens, this.perUser) };
  }

  private bucketsOf(subject: RateLimitSubject): BucketCharge[] {
    const buckets: BucketCharge[] = [{ key: `user:${subject.user}`, limit: this.perUser }];
    if (this.config.perGuild !== undefined && subject.guild !== undefined) {
      buckets.push({ key: `guild:${subject.guild}`, limit: this.config.perGuild });
    }
    return buckets;
  }
}
