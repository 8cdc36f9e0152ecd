// Limits every HTTP server of the bot applies, so a client that opens connections and sends its
// request slowly (or never) cannot hold them open: Node's defaults allow a minute for headers and
// check only every 30 s.
import type { ServerOptions } from 'node:http';

export interface HttpServerLimits {
  /** The whole header block must arrive within this time. */
  readonly headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this time. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };
/** An idle keep-alive connection is closed after this long. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node looks for connections past their timeouts. */
const MAX_CHECK_INTERVAL_MS = 1_000;

/** Options for `http.createServer`. */
export function httpServerOptions(limits: HttpServerLimits = DEFAULT_HTTP_SERVER_LIMITS): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // Node requires requestTimeout ≥ headersTimeout (0 would mean no limit at all).
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(MAX_CHECK_INTERVAL_MS, limits.headersTimeoutMs),
  };
}
