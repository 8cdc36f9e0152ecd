// Acks a slash command exactly once, before Slack's 3-second deadline. The real answer (queue
// position or refusal) goes in the ack when it is ready in time; otherwise a holding reply goes
// out at the budget and the caller delivers the answer another way.

/** Slack shows "operation_timeout" after 3 s; leave room for the round trip. */
export const DEFAULT_ACK_BUDGET_MS = 2500;
export const HOLDING_REPLY = 'Got it, working on it…';

export type AckFn = (body?: { response_type: 'ephemeral'; text: string }) => Promise<void>;

export class DeadlineAck {
  #sent = false;
  readonly #timer: NodeJS.Timeout;
  readonly #holding: Promise<void>;
  #releaseHolding: () => void = () => undefined;

  constructor(
    private readonly ack: AckFn,
    budgetMs = DEFAULT_ACK_BUDGET_MS,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.#holding = new Promise((resolve) => {
      this.#releaseHolding = resolve;
    });
    this.#timer = setTimeout(() => {
      void this.#send(HOLDING_REPLY).finally(this.#releaseHolding);
    }, budgetMs);
  }

  /** Whether the ack has gone out (with an answer or the holding reply). */
  get sent(): boolean {
    return this.#sent;
  }

  /** Acks with `text`; false when the holding reply went out first, so `text` still needs sending. */
  async reply(text: string): Promise<boolean> {
    if (this.#sent) {
      await this.#holding;
      return false;
    }
    clearTimeout(this.#timer);
    await this.#send(text);
    this.#releaseHolding();
    return true;
  }

  /** Acks with no text if nothing has been said yet (an ack is owed even when there is nothing to say). */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    if (!this.#sent) {
      this.#sent = true;
      try {
        await this.ack();
      } catch (error) {
        this.onError(error);
      }
    }
    this.#releaseHolding();
  }

  async #send(text: string): Promise<void> {
    if (this.#sent) return;
    this.#sent = true;
    try {
      await this.ack({ response_type: 'ephemeral', text });
    } catch (error) {
      this.onError(error);
    }
  }
}
