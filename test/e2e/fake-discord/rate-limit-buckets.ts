// Per-route rate-limit buckets, so every response carries X-RateLimit-* headers the way Discord's
// do and a client that ignores them gets 429s.

export interface RateLimitConfig {
  /** Requests allowed per bucket per window. */
  readonly limit: number;
  readonly windowMs: number;
}

interface Bucket {
  used: number;
  resetAt: number;
}

const MS_PER_SECOND = 1000;
/** The major parameters Discord splits buckets by. */
const MAJOR_PARAMETERS = ['channelId', 'guildId', 'appId', 'token'] as const;

export class RateLimitBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly config: RateLimitConfig) {}

  /** Takes one request from the bucket; returns the headers and whether it is over the limit. */
  take(method: string, template: string, params: Readonly<Record<string, string>>): { limited: boolean; headers: Record<string, string> } {
    const major = MAJOR_PARAMETERS.map((name) => params[name] ?? '').join(':');
    const key = `${method} ${template} ${major}`;
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.resetAt <= now) {
      bucket = { used: 0, resetAt: now + this.config.windowMs };
      this.buckets.set(key, bucket);
    }
    const limited = bucket.used >= this.config.limit;
    if (!limited) bucket.used += 1;
    const resetAfter = (bucket.resetAt - now) / MS_PER_SECOND;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(this.config.limit),
      'x-ratelimit-remaining': String(Math.max(0, this.config.limit - bucket.used)),
      'x-ratelimit-reset': String(bucket.resetAt / MS_PER_SECOND),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': Buffer.from(`${method} ${template}`).toString('hex').slice(0, 32),
    };
    if (limited) {
      headers['retry-after'] = resetAfter.toFixed(3);
      headers['x-ratelimit-scope'] = 'user';
    }
    return { limited, headers };
  }
}
