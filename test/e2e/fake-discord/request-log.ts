// Every REST request the fake answered, in order, and a way to await one that matches.

export interface RecordedFile {
  /** Form field, e.g. `files[0]`. */
  readonly field: string;
  readonly filename: string;
  readonly contentType?: string;
  readonly data: Buffer;
}

export interface RecordedRequest {
  readonly seq: number;
  /** Date.now() when the request arrived. */
  readonly at: number;
  readonly method: string;
  /** Path below the versioned API root, e.g. `/channels/123/messages`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The JSON body, or multipart `payload_json`; undefined when there was none. */
  readonly json: unknown;
  readonly files: readonly RecordedFile[];
  readonly status: number;
  readonly response: unknown;
}

export type RequestPredicate = (request: RecordedRequest) => boolean;

interface Waiter {
  readonly predicate: RequestPredicate;
  readonly resolve: (request: RecordedRequest) => void;
}

const DEFAULT_WAIT_MS = 10_000;

export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  private readonly waiters = new Set<Waiter>();

  record(request: RecordedRequest): void {
    this.requests.push(request);
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(request)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(request);
    }
  }

  filter(predicate: RequestPredicate): RecordedRequest[] {
    return this.requests.filter(predicate);
  }

  /** The first request (already seen, or future) that matches, seen after `afterSeq` when given. */
  waitFor(predicate: RequestPredicate, options: { timeoutMs?: number; afterSeq?: number } = {}): Promise<RecordedRequest> {
    const afterSeq = options.afterSeq ?? 0;
    const match = (request: RecordedRequest): boolean => request.seq > afterSeq && predicate(request);
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate: match,
        resolve: (request) => {
          clearTimeout(timer);
          resolve(request);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seenPaths = this.requests.slice(-10).map((r) => `${r.method} ${r.path} → ${r.status}`);
        reject(new Error(`no matching request within ${timeoutMs} ms; last requests:\n${seenPaths.join('\n')}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  get lastSeq(): number {
    return this.requests.at(-1)?.seq ?? 0;
  }
}
