// A small HTTP server for operators: GET /metrics for Prometheus and GET /healthz for probes
// (Docker HEALTHCHECK, Kubernetes, uptime monitors). 200 while the worker is ready, and while the
// first model downloads (the process is alive and making progress, which the report shows).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { httpServerOptions } from '../core/http-server-limits.js';
import type { HttpServerLimits } from '../core/http-server-limits.js';
import type { HealthReport } from './health-report.js';

export const DEFAULT_METRICS_HOST = '127.0.0.1';
const HTTP_OK = 200;
const HTTP_NOT_FOUND = 404;
const HTTP_METHOD_NOT_ALLOWED = 405;
const HTTP_INTERNAL_ERROR = 500;
const HTTP_UNAVAILABLE = 503;

export interface MetricsServerOptions {
  /** METRICS_PORT; 0 picks a free port (tests). */
  readonly port: number;
  /** METRICS_HOST; loopback by default, 0.0.0.0 inside a container so Prometheus can reach it. */
  readonly host?: string;
  readonly registry: Registry;
  readonly health: () => HealthReport | Promise<HealthReport>;
  /** Header and request timeouts; the defaults are right outside tests. */
  readonly limits?: HttpServerLimits;
}

export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, contentType: string, body: string, headOnly: boolean): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(headOnly ? undefined : body);
}

async function route(request: IncomingMessage, response: ServerResponse, options: MetricsServerOptions): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const headOnly = request.method === 'HEAD';
  if (path !== '/metrics' && path !== '/healthz') {
    send(response, HTTP_NOT_FOUND, 'text/plain; charset=utf-8', 'not found: try /metrics or /healthz\n', headOnly);
    return;
  }
  if (request.method !== 'GET' && !headOnly) {
    response.setHeader('allow', 'GET, HEAD');
    send(response, HTTP_METHOD_NOT_ALLOWED, 'text/plain; charset=utf-8', 'method not allowed\n', false);
    return;
  }
  if (path === '/metrics') {
    send(response, HTTP_OK, options.registry.contentType, await options.registry.metrics(), headOnly);
    return;
  }
  const report = await options.health();
  const status = report.state === 'ready' || report.state === 'downloading' ? HTTP_OK : HTTP_UNAVAILABLE;
  send(response, status, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`, headOnly);
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer(httpServerOptions(options.limits), (request, response) => {
    route(request, response, options).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      send(response, HTTP_INTERNAL_ERROR, 'text/plain; charset=utf-8', `${message}\n`, false);
    });
  });
  const host = options.host ?? DEFAULT_METRICS_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
