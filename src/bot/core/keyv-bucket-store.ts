// Token buckets in any keyv store (SQLite by default). keyv has no transactions, so each charge
// runs under an in-process lock per bucket key; one bot process owns the file.
import type Keyv from 'keyv';
import type { BucketCharge, BucketStore, ChargeOutcome } from './bucket-store.js';
import { KeyedMutex } from './keyed-mutex.js';
import { msUntil, msUntilFull, tokensAt } from './token-bucket.js';
import type { BucketState } from './token-bucket.js';

export class KeyvBucketStore implements BucketStore {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly keyv: Keyv,
    private readonly prefix = 'bucket:',
  ) {}

  charge(buckets: readonly BucketCharge[], cost: number, now: number): Promise<ChargeOutcome> {
    const keys = buckets.map((bucket) => this.prefix + bucket.key);
    return this.mutex.run(keys, async () => {
      const states = await Promise.all(keys.map((key) => this.keyv.get<BucketState>(key)));
      const tokens = buckets.map((bucket, i) => tokensAt(states[i], bucket.limit, now));

      if (cost > 0) {
        let refusal: { index: number; retryAfterMs: number } | undefined;
        buckets.forEach((bucket, index) => {
          const waitMs = msUntil(cost, tokens[index] ?? 0, bucket.limit);
          if (waitMs > 0 && waitMs > (refusal?.retryAfterMs ?? 0)) refusal = { index, retryAfterMs: waitMs };
        });
        if (refusal !== undefined) return { ok: false, ...refusal, tokens };
      }
      if (cost === 0) return { ok: true, tokens };

      const after = buckets.map((bucket, i) => Math.min(bucket.limit.capacity, (tokens[i] ?? 0) - cost));
      await Promise.all(
        buckets.map((bucket, i) => {
          const key = keys[i] ?? '';
          const level = after[i] ?? 0;
          const untilFull = msUntilFull(level, bucket.limit);
          // A full bucket is the same as no bucket: let it go.
          return untilFull === 0
            ? this.keyv.delete(key)
            : this.keyv.set(key, { tokens: level, updatedAt: now } satisfies BucketState, untilFull);
        }),
      );
      return { ok: true, tokens: after };
    });
  }
}
