// The HTTP server of Slack's HTTP mode: Bolt's receiver handles the requests, behind limits Bolt
// does not set. Bolt refuses a signed timestamp more than 5 minutes old but not one from the
// future, which would let a captured request be replayed for as long as the forger likes.
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpServerOptions } from '../core/http-server-limits.js';
import type { HttpServerLimits } from '../core/http-server-limits.js';

/** Slack's own replay window, applied both ways. */
export const MAX_TIMESTAMP_SKEW_SEC = 5 * 60;
const TIMESTAMP_HEADER = 'x-slack-request-timestamp';
const HTTP_UNAUTHORIZED = 401;

export interface SlackHttpServerOptions {
  /** Bolt's HTTPReceiver.requestListener. */
  readonly boltListener: RequestListener;
  readonly host: string;
  readonly port: number;
  readonly limits?: HttpServerLimits;
  readonly now?: () => number;
}

export async function startSlackHttpServer(options: SlackHttpServerOptions): Promise<Server> {
  const now = options.now ?? Date.now;
  const server = createServer(httpServerOptions(options.limits), (request: IncomingMessage, response: ServerResponse) => {
    if (stampedInTheFuture(request, now())) {
      response.writeHead(HTTP_UNAUTHORIZED, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('request timestamp is in the future\n');
      return;
    }
    options.boltListener(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The port a started server listens on. */
export function listeningPort(server: Server): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null ? (address as AddressInfo).port : undefined;
}

function stampedInTheFuture(request: IncomingMessage, nowMs: number): boolean {
  const header = request.headers[TIMESTAMP_HEADER];
  const stamp = Number(Array.isArray(header) ? header[0] : header);
  // A missing or malformed stamp is Bolt's to refuse, with its signature check.
  if (!Number.isFinite(stamp)) return false;
  return stamp - Math.floor(nowMs / 1000) > MAX_TIMESTAMP_SKEW_SEC;
}
