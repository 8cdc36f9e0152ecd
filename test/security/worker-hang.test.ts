// A hung worker: the real fake-worker process is frozen with SIGSTOP in the middle of a job. The
// job must fail within the heartbeat timeout plus 2 s with a clear message, /healthz must say 503
// and why while the worker does not answer, and a fresh worker must take the next job.
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/bot/app-config.js';
import { startMetricsServer } from '../../src/bot/observability/metrics-server.js';
import type { MetricsServer } from '../../src/bot/observability/metrics-server.js';
import { WorkerHealth } from '../../src/bot/observability/worker-health.js';
import { PipelineClient } from '../../src/pipeline/ipc/client.js';
import type { GenerationJob } from '../../src/pipeline/ipc/client.js';
import { fakeClientOptions } from '../fixtures/fake-worker/fake-client-options.js';

const ALLOWED_EXTRA_MS = 2_000;

function job(prompt: string, steps: number): GenerationJob {
  return {
    jobId: randomUUID(),
    model: 'fake-sd1',
    params: { prompt, negativePrompt: '', seed: 1, numInferenceSteps: steps, guidanceScale: 7, sampler: 'euler_a', width: 64, height: 48, count: 1 },
  };
}

async function healthz(server: MetricsServer): Promise<{ status: number; body: { state: string; reason?: string } }> {
  const response = await fetch(`${server.url}/healthz`);
  return { status: response.status, body: (await response.json()) as { state: string; reason?: string } };
}

describe('a worker frozen with SIGSTOP', () => {
  let client: PipelineClient | undefined;
  let metrics: MetricsServer | undefined;
  const frozen: number[] = [];

  afterAll(async () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone, as it should be.
      }
    }
    await client?.close();
    await metrics?.close();
  });

  it('is checked against WORKER_HEARTBEAT_TIMEOUT_SECONDS, 30 by default', () => {
    expect(loadAppConfig({ MODELS_DIR: '/nonexistent' }).core.WORKER_HEARTBEAT_TIMEOUT_SECONDS).toBe(30);
  });

  it('fails its job within the timeout plus 2 s, shows 503 with the reason meanwhile, and a fresh worker goes on', async () => {
    const config = loadAppConfig({ MODELS_DIR: '/nonexistent', WORKER_HEARTBEAT_TIMEOUT_SECONDS: '3' });
    const timeoutMs = config.core.WORKER_HEARTBEAT_TIMEOUT_SECONDS * 1000;
    const health = new WorkerHealth();
    client = await PipelineClient.start({
      ...fakeClientOptions({ behaviour: { stepDelayMs: 100 }, client: { heartbeatTimeoutMs: timeoutMs } }),
      stderr: 'ignore',
      onEvent: health.handle,
    });
    metrics = await startMetricsServer({ port: 0, registry: new Registry(), health: () => health.report() });
    expect((await healthz(metrics)).status).toBe(200);

    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const outcome = client.generate(job('a long one', 1_000), { onStarted: () => started() }).then(
      () => 'finished',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await running;
    const pid = client.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    frozen.push(pid);
    const stoppedAt = performance.now();

    // While it does not answer, /healthz says so.
    await expect.poll(async () => (await healthz(metrics as MetricsServer)).status, { timeout: timeoutMs, interval: 200 }).toBe(503);
    const during = await healthz(metrics);
    expect(during.body.reason ?? '').toMatch(/not answer|hung|restart/);

    const message = await outcome;
    const failedAfterMs = performance.now() - stoppedAt;
    expect(message).toMatch(/stopped responding/);
    expect(failedAfterMs).toBeLessThan(timeoutMs + ALLOWED_EXTRA_MS);

    // A fresh worker takes the next job, and health is back.
    const next = await client.generate(job('after the hang', 2));
    expect(next.images).toHaveLength(1);
    expect(client.pid).not.toBe(pid);
    expect((await healthz(metrics)).status).toBe(200);
  });
});
