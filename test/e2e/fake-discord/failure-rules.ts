// Failures a test asks for: "the next N requests like this get a 429 / 5xx / Discord error".

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly json?: unknown;
  /** Names of the uploaded files. */
  readonly filenames?: readonly string[];
}

export type RequestMatcher = { readonly method?: string; readonly path?: string | RegExp } | ((request: RequestInfo) => boolean);

export interface FailureResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

interface Rule {
  readonly matcher: RequestMatcher;
  remaining: number;
  readonly response: FailureResponse;
}

const MS_PER_SECOND = 1000;

export function matches(matcher: RequestMatcher, request: RequestInfo): boolean {
  if (typeof matcher === 'function') return matcher(request);
  if (matcher.method !== undefined && matcher.method.toUpperCase() !== request.method) return false;
  if (matcher.path === undefined) return true;
  return typeof matcher.path === 'string' ? request.path.startsWith(matcher.path) : matcher.path.test(request.path);
}

export class FailureRules {
  private readonly rules: Rule[] = [];

  /** Answers the next `times` matching requests with `response` (Infinity: until cleared). */
  add(matcher: RequestMatcher, response: FailureResponse, times = 1): void {
    this.rules.push({ matcher, remaining: times, response });
  }

  /** 429 with Discord's headers and body; discord.js waits `retryAfterMs` and retries. */
  rateLimit(matcher: RequestMatcher, retryAfterMs: number, times = 1): void {
    const seconds = retryAfterMs / MS_PER_SECOND;
    this.add(
      matcher,
      {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: seconds, global: false },
        headers: {
          'retry-after': String(seconds),
          'x-ratelimit-limit': '1',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': String(seconds),
          'x-ratelimit-scope': 'user',
        },
      },
      times,
    );
  }

  serverError(matcher: RequestMatcher, times = 1, status = 500): void {
    this.add(matcher, { status, body: { message: 'Internal Server Error', code: 0 }, headers: {} }, times);
  }

  /** 50013 Missing Permissions, until cleared. */
  missingPermissions(matcher: RequestMatcher, times = Number.POSITIVE_INFINITY): void {
    this.add(matcher, { status: 403, body: { message: 'Missing Permissions', code: 50013 }, headers: {} }, times);
  }

  clear(): void {
    this.rules.length = 0;
  }

  take(request: RequestInfo): FailureResponse | undefined {
    const rule = this.rules.find((candidate) => candidate.remaining > 0 && matches(candidate.matcher, request));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.response;
  }
}
