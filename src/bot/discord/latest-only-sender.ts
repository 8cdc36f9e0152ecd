// Sends a stream of message states so that at most one send is in flight, each starts at least
// `intervalMs` after the previous one finished (so requests also reach the server that far apart),
// and a state superseded while waiting is dropped: only the newest is sent.
// Failures are reported, never thrown, because a lost preview must not fail the job.

export interface LatestOnlySenderOptions<T> {
  readonly intervalMs: number;
  readonly send: (state: T) => Promise<void>;
  readonly onError?: (error: unknown, state: T) => void;
  readonly now?: () => number;
}

export class LatestOnlySender<T> {
  private pending: { readonly state: T } | undefined;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastFinishedAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: LatestOnlySenderOptions<T>) {
    this.now = options.now ?? Date.now;
  }

  /** Queues `state`, replacing any state still waiting. */
  offer(state: T): void {
    if (this.closed) return;
    this.pending = { state };
    this.schedule();
  }

  /** Stops sending: drops what waits and resolves once the send in flight (if any) settles. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private schedule(): void {
    if (this.inFlight !== undefined || this.timer !== undefined || this.pending === undefined) return;
    // discord.js holds a request until its rate-limit bucket resets, so that wait counts as in flight.
    const wait = Math.max(0, this.lastFinishedAt + this.options.intervalMs - this.now());
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
        this.lastFinishedAt = this.now();
        this.inFlight = undefined;
        this.schedule();
      });
  }
}
