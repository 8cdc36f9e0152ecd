// Failures (and slowness) a test asks the fake to inject on upcoming calls of one method.

export type InjectedFailure =
  /** `{ ok: false, error }` with HTTP 200, as Slack reports most errors. */
  | { readonly error: string }
  /** HTTP 429 with `Retry-After`, as Slack rate-limits a method. */
  | { readonly retryAfterSec: number }
  /** Not a failure: the call is answered normally, but only after this long (a slow Slack). */
  | { readonly delayMs: number };

export interface FailureOptions {
  /** How many matching calls fail; default 1. */
  readonly times?: number;
  /** Only calls whose arguments match fail (for example one channel). */
  readonly when?: (args: Readonly<Record<string, string>>) => boolean;
}

interface Rule {
  readonly method: string;
  readonly failure: InjectedFailure;
  remaining: number;
  readonly when: ((args: Readonly<Record<string, string>>) => boolean) | undefined;
}

export class FailureRules {
  readonly #rules: Rule[] = [];

  add(method: string, failure: InjectedFailure, options: FailureOptions = {}): void {
    this.#rules.push({ method, failure, remaining: options.times ?? 1, when: options.when });
  }

  /** The failure for this call, if any, using up one of its times. */
  take(method: string, args: Readonly<Record<string, string>>): InjectedFailure | undefined {
    const rule = this.#rules.find(
      (r) => r.method === method && r.remaining > 0 && (r.when === undefined || r.when(args)),
    );
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    return rule.failure;
  }

  clear(): void {
    this.#rules.length = 0;
  }
}
