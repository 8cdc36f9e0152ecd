import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROGRESS_MIN_INTERVAL_MS, progressReporter } from '../../../../../src/bot/queue/bullmq/progress-reporter.js';
import type { GenerationProgress } from '../../../../../src/pipeline/types.js';

const STEP_MS = 25;
const TOTAL = 20;
const WRITE_MS = 1;

function harness(failOn: readonly number[] = []) {
  const written: Array<GenerationProgress & { at: number }> = [];
  const errors: unknown[] = [];
  const reporter = progressReporter({
    write: async (progress) => {
      written.push({ ...progress, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, WRITE_MS));
      if (failOn.includes(progress.step)) throw new Error(`write ${progress.step} failed`);
    },
    onError: (error) => errors.push(error),
  });
  return { reporter, written, errors };
}

const preview = (step: number): Uint8Array => new Uint8Array([step]);

/** A job's steps, one every STEP_MS, with a preview every fifth step as the pipeline sends them. */
async function run(reporter: ReturnType<typeof progressReporter>, total = TOTAL): Promise<void> {
  for (let step = 1; step <= total; step++) {
    await vi.advanceTimersByTimeAsync(STEP_MS);
    reporter.report({ step, total, ...(step % 5 === 0 ? { preview: preview(step) } : {}) });
  }
  const flushing = reporter.flush();
  await vi.advanceTimersByTimeAsync(WRITE_MS * 2);
  await flushing;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('progressReporter (a worker host paces the progress writes of a job)', () => {
  it('writes the first step at once, then the newest state about once per interval, and the last step when the job ends', async () => {
    const { reporter, written } = harness();
    await run(reporter);
    const steps = written.map((entry) => entry.step);
    expect(steps[0]).toBe(1);
    expect(written[0]?.at).toBe(STEP_MS);
    expect(steps.at(-1)).toBe(TOTAL);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    // 500 ms of steps: about one write per interval instead of one per step.
    expect(written.length).toBeLessThanOrEqual(Math.ceil((TOTAL * STEP_MS) / PROGRESS_MIN_INTERVAL_MS) + 2);
    for (const [index, entry] of written.slice(1, -1).entries()) {
      expect(entry.at - (written[index]?.at ?? 0)).toBeGreaterThanOrEqual(PROGRESS_MIN_INTERVAL_MS);
    }
  });

  it('loses no preview to the pacing: each rides along with the next state written', async () => {
    const { reporter, written } = harness();
    await run(reporter);
    const previews = written.flatMap((entry) => (entry.preview === undefined ? [] : [entry.preview[0]]));
    expect(previews).toEqual([5, 10, 15, 20]);
    for (const entry of written) if (entry.preview !== undefined) expect(entry.step).toBeGreaterThanOrEqual(entry.preview[0] ?? 0);
  });

  it('writes a preview before a newer one could replace it, even within one interval', async () => {
    const { reporter, written } = harness();
    reporter.report({ step: 1, total: 6 });
    await vi.advanceTimersByTimeAsync(WRITE_MS * 2);
    for (let step = 2; step <= 6; step++) {
      reporter.report({ step, total: 6, ...(step % 2 === 0 ? { preview: preview(step) } : {}) });
      await vi.advanceTimersByTimeAsync(5);
    }
    const flushing = reporter.flush();
    await vi.advanceTimersByTimeAsync(WRITE_MS * 10);
    await flushing;
    expect(written.flatMap((entry) => (entry.preview === undefined ? [] : [entry.preview[0]]))).toEqual([2, 4, 6]);
    expect(written.at(-1)?.step).toBe(6);
    expect(written.map((entry) => entry.step)).toEqual([...written.map((entry) => entry.step)].sort((a, b) => a - b));
  });

  it('writes every step of a job slower than the interval', async () => {
    const written: number[] = [];
    const reporter = progressReporter({ write: async (progress) => void written.push(progress.step), onError: () => undefined });
    for (let step = 1; step <= 5; step++) {
      reporter.report({ step, total: 5 });
      await vi.advanceTimersByTimeAsync(PROGRESS_MIN_INTERVAL_MS * 2);
    }
    await reporter.flush();
    expect(written).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports a failed write and goes on writing later states', async () => {
    const { reporter, written, errors } = harness([1]);
    await run(reporter, 8);
    expect(errors).toHaveLength(1);
    expect(written.map((entry) => entry.step).at(-1)).toBe(8);
  });
});
