// How many messages one playground tab may send: a person types a few lines a second, so a short
// burst is allowed and then a steady trickle. A page that floods the socket is slowed, then cut off.

export interface MessageRateLimit {
  /** Messages accepted at once from a quiet tab. */
  readonly burst: number;
  /** Messages accepted per second after the burst. */
  readonly perSecond: number;
  /** Messages dropped in a row before the socket is closed. */
  readonly maxDropped: number;
}

export const DEFAULT_TAB_MESSAGE_RATE: MessageRateLimit = { burst: 20, perSecond: 5, maxDropped: 200 };

export type RateVerdict = 'accept' | 'drop' | 'first-drop' | 'disconnect';

export class MessageRate {
  private tokens: number;
  private updatedAt: number;
  private dropped = 0;

  constructor(
    private readonly limit: MessageRateLimit = DEFAULT_TAB_MESSAGE_RATE,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = limit.burst;
    this.updatedAt = now();
  }

  /** What to do with the next message; cheap, so a flood costs little before it is cut off. */
  take(): RateVerdict {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.limit.perSecond);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.dropped = 0;
      return 'accept';
    }
    this.dropped += 1;
    if (this.dropped > this.limit.maxDropped) return 'disconnect';
    return this.dropped === 1 ? 'first-drop' : 'drop';
  }
}
