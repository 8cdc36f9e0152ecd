// Spaces out progress edits: at most one per interval, and only the newest state is shown. A
// preview that was overtaken before its turn is simply never drawn.

export class EditThrottle {
  private pending: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Applies `edit` now if the last edit was long enough ago, otherwise at its turn unless replaced. */
  push(edit: () => void): void {
    this.pending = edit;
    if (this.timer !== undefined) return;
    const wait = this.lastAt + this.intervalMs - this.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /** Drops whatever is waiting: the final state of the message replaces it. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private run(): void {
    const edit = this.pending;
    this.pending = undefined;
    if (edit === undefined) return;
    this.lastAt = this.now();
    edit();
  }
}
