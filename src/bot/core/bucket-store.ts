// Where token buckets live. Implementations make `charge` atomic for their backend.
import type { BucketLimit } from './token-bucket.js';

export interface BucketCharge {
  readonly key: string;
  readonly limit: BucketLimit;
}

export type ChargeOutcome =
  | { readonly ok: true; readonly tokens: readonly number[] }
  /** `index` names the bucket that refused for longest; nothing was taken from any bucket. */
  | { readonly ok: false; readonly index: number; readonly retryAfterMs: number; readonly tokens: readonly number[] };

export interface BucketStore {
  /**
   * Refills every bucket to `now`; when each holds at least `cost`, takes `cost` from all of them
   * in one step. A negative cost refunds (never above capacity); 0 only reads.
   * `tokens` are the levels after the charge (or before a refusal).
   */
  charge(buckets: readonly BucketCharge[], cost: number, now: number): Promise<ChargeOutcome>;
}
