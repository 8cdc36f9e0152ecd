import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineClient } from '../../../../src/pipeline/client.js';
import { workerArgs } from '../../../../src/pipeline/worker-config.js';
import { WorkerError } from '../../../../src/pipeline/worker-error.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-real-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the real worker process (src/pipeline/worker.ts)', () => {
  it('starts under tsx and refuses a folder that is not a model, saying which and why', async () => {
    const error = await PipelineClient.start({
      args: workerArgs({ models: [{ name: 'not-a-model', dir }], pipeline: { provider: 'cpu' } }),
      stderr: 'ignore',
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(WorkerError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'model_unavailable' });
    expect((error as WorkerError).message).toContain("'not-a-model'");
  });
});
