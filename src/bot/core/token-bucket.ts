// Token-bucket arithmetic shared by every bucket store (the Redis Lua script mirrors it).
// A bucket holds up to `capacity` tokens and refills continuously, completely over `windowMs`.

export interface BucketLimit {
  readonly capacity: number;
  readonly windowMs: number;
}

export interface BucketState {
  readonly tokens: number;
  readonly updatedAt: number;
}

export function refillPerMs(limit: BucketLimit): number {
  return limit.capacity / limit.windowMs;
}

/** Tokens in the bucket at `now`; an absent bucket is full. */
export function tokensAt(state: BucketState | undefined, limit: BucketLimit, now: number): number {
  if (state === undefined) return limit.capacity;
  const elapsed = Math.max(0, now - state.updatedAt);
  return Math.min(limit.capacity, state.tokens + elapsed * refillPerMs(limit));
}

/** How long until the bucket holds `wanted` tokens. */
export function msUntil(wanted: number, tokens: number, limit: BucketLimit): number {
  return tokens >= wanted ? 0 : Math.ceil((wanted - tokens) / refillPerMs(limit));
}

export function msUntilFull(tokens: number, limit: BucketLimit): number {
  return msUntil(limit.capacity, tokens, limit);
}
