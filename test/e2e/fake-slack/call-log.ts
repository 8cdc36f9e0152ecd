// Every request the fake receives, in order, plus a way for tests to wait for one.

/** One Web API call (or upload) as the fake saw it. */
export interface RecordedCall {
  /** Web API method such as `chat.update`; uploads are recorded as `upload`, response_url posts as `response_url`. */
  readonly method: string;
  /** Form, JSON or multipart fields; JSON-looking form values (blocks, files) stay strings as Slack sends them. */
  readonly args: Readonly<Record<string, string>>;
  /** Bytes of an uploaded file, for `upload` calls. */
  readonly file?: Uint8Array;
  /** The token the call was made with, from the Authorization header or the `token` field. */
  readonly token?: string;
  /** What the fake answered, so a test can tell a refused call from an accepted one. */
  readonly response: Readonly<Record<string, unknown>>;
  readonly status: number;
  /** Milliseconds since the fake started. */
  readonly at: number;
}

export type CallPredicate = (call: RecordedCall) => boolean;

interface Waiter {
  readonly predicate: CallPredicate;
  readonly resolve: (call: RecordedCall) => void;
}

const DEFAULT_WAIT_MS = 10_000;

export class CallLog {
  readonly #calls: RecordedCall[] = [];
  readonly #waiters = new Set<Waiter>();

  get all(): readonly RecordedCall[] {
    return this.#calls;
  }

  record(call: RecordedCall): void {
    this.#calls.push(call);
    for (const waiter of this.#waiters) {
      if (waiter.predicate(call)) {
        this.#waiters.delete(waiter);
        waiter.resolve(call);
      }
    }
  }

  of(method: string): RecordedCall[] {
    return this.#calls.filter((call) => call.method === method);
  }

  /** Resolves with the first call (already made or future) that matches; rejects after `timeoutMs`. */
  waitFor(predicate: CallPredicate, timeoutMs = DEFAULT_WAIT_MS, description = 'a matching call'): Promise<RecordedCall> {
    const existing = this.#calls.find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.#calls.map((call) => call.method).join(', ');
        reject(new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${description}; calls so far: ${seen}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (call) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
      this.#waiters.add(waiter);
    });
  }
}
