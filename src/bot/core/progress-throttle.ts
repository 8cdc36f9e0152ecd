// Paces the edits of one message: at most one call in flight, each starting at least `intervalMs`
// after the previous one finished (so requests also reach the server that far apart), never before
// a wait the platform asked for, and only the newest waiting state is sent: an older progress
// state is stale by the time it could go. Failures are reported, never thrown: a lost preview
// must not fail the job.

export interface ProgressThrottleOptions<T> {
  readonly intervalMs: number;
  readonly send: (state: T) => Promise<void>;
  readonly onError?: (error: unknown, state: T) => void;
  readonly now?: () => number;
}

export class ProgressThrottle<T> {
  private pending: { readonly state: T } | undefined;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private notBefore = Number.NEGATIVE_INFINITY;
  private closed = false;
  private droppedCount = 0;
  private readonly now: () => number;

  constructor(private readonly options: ProgressThrottleOptions<T>) {
    this.now = options.now ?? Date.now;
  }

  /** States replaced by a newer one before they could be sent. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Queues `state`, replacing any state still waiting. */
  offer(state: T): void {
    if (this.closed) return;
    if (this.pending !== undefined) this.droppedCount += 1;
    this.pending = { state };
    this.schedule();
  }

  /** Nothing starts before `ms` from now (a Retry-After, or the message was just posted). */
  holdFor(ms: number): void {
    this.notBefore = Math.max(this.notBefore, this.now() + ms);
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule();
    }
  }

  /** Stops sending: drops what waits and resolves once the call in flight (if any) settles. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending !== undefined) this.droppedCount += 1;
    this.pending = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private schedule(): void {
    if (this.inFlight !== undefined || this.timer !== undefined || this.pending === undefined || this.closed) return;
    const wait = Math.max(0, this.notBefore - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendPending();
    }, wait);
  }

  private sendPending(): void {
    const next = this.pending;
    if (next === undefined || this.closed) return;
    this.pending = undefined;
    this.inFlight = this.options
      .send(next.state)
      .catch((error: unknown) => this.options.onError?.(error, next.state))
      .finally(() => {
        // A platform's client may hold a request until its rate-limit bucket resets: that wait counted as in flight.
        this.notBefore = Math.max(this.notBefore, this.now() + this.options.intervalMs);
        this.inFlight = undefined;
        this.schedule();
      });
  }
}
