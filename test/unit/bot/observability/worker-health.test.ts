import { describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../../../src/pipeline/ipc/client.js';
import { WorkerHealth } from '../../../../src/bot/observability/worker-health.js';

const ready: WorkerEvent = {
  type: 'ready',
  pid: 42,
  startMs: 1200,
  ready: {
    type: 'ready',
    protocolVersion: 1,
    pid: 42,
    provider: 'cpu',
    loadMs: 1000,
    models: [
      { name: 'sd15', resident: false },
      { name: 'sd-turbo', kind: 'sd-turbo', resident: true },
    ],
  },
};
const crash: WorkerEvent = { type: 'exit', pid: 42, exit: { reason: 'crashed', code: null, signal: 'SIGSEGV', beforeReady: false } };
const hang: WorkerEvent = { type: 'exit', pid: 43, exit: { reason: 'hung', code: null, signal: 'SIGKILL', beforeReady: false } };
const closed: WorkerEvent = { type: 'exit', pid: 44, exit: { reason: 'closed', code: 0, signal: null, beforeReady: false } };

describe('WorkerHealth', () => {
  it('walks starting → ready → restarting → ready → down and counts restarts', () => {
    let restarts = 0;
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const health = new WorkerHealth({ onRestart: () => restarts++, now: () => new Date(clock) });
    expect(health.report()).toMatchObject({ state: 'starting', workerRestarts: 0 });

    clock += 1000;
    health.handle(ready);
    expect(health.report()).toEqual({ state: 'ready', since: '2026-01-01T00:00:01.000Z', workerRestarts: 0, model: 'sd-turbo', provider: 'cpu' });

    health.handle(crash);
    expect(health.report()).toMatchObject({ state: 'restarting', reason: 'the worker crashed (signal SIGSEGV); a fresh one is starting', workerRestarts: 1 });
    health.handle(hang);
    expect(health.report()).toMatchObject({ state: 'restarting', reason: 'the worker stopped responding (signal SIGKILL); a fresh one is starting', workerRestarts: 2 });

    health.handle(ready);
    health.handle({ type: 'model-switch', jobId: 'j', from: 'sd-turbo', to: 'sd15', ms: 900 });
    expect(health.report()).toMatchObject({ state: 'ready', model: 'sd15' });
    expect(health.report().reason).toBeUndefined();

    health.handle(closed);
    expect(health.report()).toMatchObject({ state: 'down', reason: 'the worker was stopped', workerRestarts: 2 });
    expect(restarts).toBe(2);
  });

  it('stays down once marked down, even if the old worker exits afterwards', () => {
    const health = new WorkerHealth();
    health.markDown('model folder models/sd15 is invalid');
    health.handle(crash);
    expect(health.report()).toMatchObject({ state: 'down', reason: 'model folder models/sd15 is invalid', workerRestarts: 0 });
  });
});
