// Paces edits of one message: at most one in flight, starts at least `intervalMs` apart, and only
// the newest waiting edit survives (an older progress state is stale by the time it could run).

export type Clock = () => number;
type Task = () => Promise<void>;

export class EditThrottle {
  #pending: Task | undefined;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #nextStartAt = 0;
  #closed = false;
  #dropped = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: Clock = Date.now,
  ) {}

  /** Edits replaced by a newer one before they could run. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues `task`, replacing any edit still waiting. */
  push(task: Task): void {
    if (this.#closed) return;
    if (this.#pending !== undefined) this.#dropped += 1;
    this.#pending = task;
    this.#kick();
  }

  /** No edit starts before `ms` from now (a Retry-After, or the message was just posted). */
  holdFor(ms: number): void {
    this.#nextStartAt = Math.max(this.#nextStartAt, this.now() + ms);
  }

  /** Drops the waiting edit and resolves once the one in flight (if any) has finished. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pending !== undefined) this.#dropped += 1;
    this.#pending = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #kick(): void {
    if (this.#running !== undefined || this.#timer !== undefined || this.#pending === undefined) return;
    const wait = this.#nextStartAt - this.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#kick();
      }, wait);
      return;
    }
    const task = this.#pending;
    this.#pending = undefined;
    this.#nextStartAt = this.now() + this.intervalMs;
    // A failed edit is the task's own business to report; pacing goes on regardless.
    this.#running = task()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        this.#kick();
      });
  }
}
