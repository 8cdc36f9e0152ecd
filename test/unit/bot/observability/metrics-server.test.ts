import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../src/bot/observability/create-metrics.js';
import { residentMemoryBytes } from '../../../../src/bot/observability/resident-memory.js';
import type { HealthReport, WorkerState } from '../../../../src/bot/observability/health-report.js';
import { startMetricsServer } from '../../../../src/bot/observability/metrics-server.js';
import type { MetricsServer } from '../../../../src/bot/observability/metrics-server.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The value of one sample line, e.g. `imagine_errors_total{code="queue_full"}`. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((text) => text.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics server', () => {
  it('serves what the bot recorded in Prometheus text format', async () => {
    const metrics = createMetrics();
    let waiting = 3;
    metrics.bindSources({ queueLength: () => waiting, workerResidentBytes: () => residentMemoryBytes(process.pid) });
    metrics.observeWait(1500);
    metrics.observeWait(45_000);
    metrics.observeJob({ model: 'sd-turbo', durationMs: 2000, steps: 4, denoiseMs: 1000, images: 1 });
    metrics.observeJob({ model: 'sd-turbo', durationMs: 6000, steps: 8, denoiseMs: 4000, images: 2 });
    metrics.countRefusal('rate_limited');
    metrics.countError('cancelled');
    metrics.countError('queue_full');
    metrics.countError('queue_full');
    metrics.countError('worker_crashed');
    metrics.countWorkerRestart();
    server = await startMetricsServer({ port: 0, registry: metrics.registry, health: () => ({ state: 'ready' }) });

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const body = await response.text();
    expect(sample(body, 'imagine_queue_length')).toBe(3);
    waiting = 0;
    expect(sample(await metrics.registry.metrics(), 'imagine_queue_length')).toBe(0);
    expect(sample(body, 'imagine_queue_wait_seconds_count')).toBe(2);
    expect(sample(body, 'imagine_queue_wait_seconds_sum')).toBe(46.5);
    expect(sample(body, 'imagine_queue_wait_seconds_bucket{le="2"}')).toBe(1);
    expect(sample(body, 'imagine_job_duration_seconds_sum{model="sd-turbo"}')).toBe(8);
    expect(sample(body, 'imagine_steps_per_second_sum{model="sd-turbo"}')).toBe(6);
    expect(sample(body, 'imagine_last_steps_per_second{model="sd-turbo"}')).toBe(2);
    expect(sample(body, 'imagine_errors_total{code="queue_full"}')).toBe(2);
    expect(sample(body, 'imagine_errors_total{code="worker_crashed"}')).toBe(1);
    expect(sample(body, 'imagine_worker_restarts_total')).toBe(1);
    expect(sample(body, 'imagine_jobs_total{outcome="completed"}')).toBe(2);
    expect(sample(body, 'imagine_jobs_total{outcome="failed"}')).toBe(3);
    expect(sample(body, 'imagine_jobs_total{outcome="cancelled"}')).toBe(1);
    expect(sample(body, 'imagine_images_total{model="sd-turbo"}')).toBe(3);
    expect(sample(body, 'imagine_refusals_total{reason="rate_limited"}')).toBe(1);
    expect(sample(body, 'imagine_denoise_steps_total')).toBe(12);
    expect(sample(body, 'imagine_denoise_seconds_total')).toBe(5);
    expect(sample(body, 'imagine_worker_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    // Node's defaults keep their standard names, for stock dashboards.
    expect(sample(body, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(body).not.toContain('imagine_process_');
    expect(body).not.toContain('imagine_nodejs_');
  });

  it('keeps each registry separate', async () => {
    const first = createMetrics({ processMetrics: false });
    const second = createMetrics({ processMetrics: false });
    first.countWorkerRestart();
    expect(sample(await second.registry.metrics(), 'imagine_worker_restarts_total')).toBe(0);
    expect(await second.registry.metrics()).not.toContain('process_resident_memory_bytes');
  });

  it('reads the worker memory gauge as 0 while there is no worker process', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let bytes: number | undefined = 5_000_000;
    metrics.bindSources({ workerResidentBytes: () => bytes });
    expect(sample(await metrics.registry.metrics(), 'imagine_worker_resident_memory_bytes')).toBe(5_000_000);
    bytes = undefined;
    expect(sample(await metrics.registry.metrics(), 'imagine_worker_resident_memory_bytes')).toBe(0);
  });

  const states: ReadonlyArray<readonly [WorkerState, number]> = [
    ['ready', 200],
    ['starting', 503],
    ['restarting', 503],
    ['down', 503],
    ['downloading', 200],
  ];

  it.each(states)('answers /healthz for a %s worker with %i and the report', async (state, status) => {
    const report: HealthReport = { state, model: 'sd15', provider: 'cpu', queueLength: 2, workerRestarts: 1 };
    server = await startMetricsServer({ port: 0, registry: createMetrics({ processMetrics: false }).registry, health: async () => report });
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual(report);
  });

  it('follows the worker as its state changes between requests', async () => {
    let state: WorkerState = 'starting';
    server = await startMetricsServer({ port: 0, registry: createMetrics({ processMetrics: false }).registry, health: () => ({ state }) });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    state = 'ready';
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers unknown paths with 404, other methods with 405 and a failing health check with 500', async () => {
    server = await startMetricsServer({
      port: 0,
      registry: createMetrics({ processMetrics: false }).registry,
      health: () => {
        throw new Error('health source broke');
      },
    });
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const broken = await fetch(`${server.url}/healthz`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).toContain('health source broke');
  });

  it('listens on loopback unless told otherwise, and reports a busy port', async () => {
    server = await startMetricsServer({ port: 0, registry: createMetrics({ processMetrics: false }).registry, health: () => ({ state: 'ready' }) });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(
      startMetricsServer({ port: server.port, registry: createMetrics({ processMetrics: false }).registry, health: () => ({ state: 'ready' }) }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
