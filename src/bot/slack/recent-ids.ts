// Remembers ids seen lately, so an event Slack redelivers (same event_id, X-Slack-Retry-Num ≥ 1)
// is handled once. Bounded in both time and size.

/** Slack retries three times over about five minutes; keep ids a little longer than that. */
export const DEFAULT_REMEMBER_MS = 10 * 60 * 1000;
export const DEFAULT_MAX_IDS = 10_000;

export class RecentIds {
  readonly #seenAt = new Map<string, number>();

  constructor(
    private readonly rememberMs = DEFAULT_REMEMBER_MS,
    private readonly maxIds = DEFAULT_MAX_IDS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `id` was seen within the window; records it either way. */
  seen(id: string): boolean {
    const now = this.now();
    this.#evict(now);
    const at = this.#seenAt.get(id);
    if (at !== undefined) return true;
    this.#seenAt.set(id, now);
    return false;
  }

  #evict(now: number): void {
    // Map iterates in insertion order, so the oldest ids come first.
    for (const [id, at] of this.#seenAt) {
      if (now - at < this.rememberMs && this.#seenAt.size < this.maxIds) break;
      this.#seenAt.delete(id);
    }
  }
}
