import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_SCRIPT, siblingWorkerScript } from '../../../../src/pipeline/ipc/client.js';
import { execArgvFor } from '../../../../src/pipeline/ipc/worker-process.js';

describe('worker entry point', () => {
  it('is worker.ts next to the source client and worker.js next to the built one', () => {
    expect(siblingWorkerScript('file:///srv/imagine/src/pipeline/ipc/client.ts').href).toBe('file:///srv/imagine/src/pipeline/worker/worker.ts');
    expect(siblingWorkerScript('file:///srv/imagine/dist/pipeline/ipc/client.js').href).toBe('file:///srv/imagine/dist/pipeline/worker/worker.js');
  });

  it('exists where the running client points', () => {
    expect(existsSync(fileURLToPath(DEFAULT_WORKER_SCRIPT))).toBe(true);
  });

  it('loads tsx only for a TypeScript worker', () => {
    expect(execArgvFor('/srv/imagine/dist/pipeline/worker/worker.js')).toEqual([]);
    const dev = execArgvFor(new URL('file:///srv/imagine/src/pipeline/worker/worker.ts'));
    expect(dev[0]).toBe('--import');
    expect(dev[1]).toMatch(/tsx/);
  });
});
