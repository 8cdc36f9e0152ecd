import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditThrottle } from '../../../../src/bot/slack/edit-throttle.js';

const INTERVAL_MS = 2000;

describe('EditThrottle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function recorder(): { ran: string[]; at: number[]; task: (name: string) => () => Promise<void> } {
    const ran: string[] = [];
    const at: number[] = [];
    return {
      ran,
      at,
      task: (name) => async () => {
        ran.push(name);
        at.push(Date.now());
      },
    };
  }

  it('runs the first edit at once, then only the newest waiting one, at least the interval later', async () => {
    const throttle = new EditThrottle(INTERVAL_MS);
    const { ran, at, task } = recorder();
    const start = Date.now();
    throttle.push(task('step 1'));
    throttle.push(task('step 2'));
    throttle.push(task('step 3'));
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 3);
    expect(ran).toEqual(['step 1', 'step 3']);
    expect(at).toEqual([start, start + INTERVAL_MS]);
    expect(throttle.dropped).toBe(1);
  });

  it('never runs two edits at once, even when one outlasts the interval', async () => {
    const throttle = new EditThrottle(INTERVAL_MS);
    let inFlight = 0;
    let most = 0;
    const slow = async (): Promise<void> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
      inFlight -= 1;
    };
    throttle.push(slow);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    throttle.push(slow);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 6);
    expect(most).toBe(1);
  });

  it('holds edits back for a Retry-After', async () => {
    const throttle = new EditThrottle(INTERVAL_MS);
    const { at, task } = recorder();
    const start = Date.now();
    const retryAfterMs = 5000;
    throttle.holdFor(retryAfterMs);
    throttle.push(task('after the wait'));
    await vi.advanceTimersByTimeAsync(retryAfterMs * 2);
    expect(at).toEqual([start + retryAfterMs]);
  });

  it('on close, drops the waiting edit and waits for the one in flight', async () => {
    const throttle = new EditThrottle(INTERVAL_MS);
    const { ran } = recorder();
    let finished = false;
    throttle.push(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = true;
    });
    throttle.push(async () => void ran.push('stale'));
    const closed = throttle.close();
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);
    await closed;
    expect(finished).toBe(true);
    expect(ran).toEqual([]);
    throttle.push(async () => void ran.push('after close'));
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);
    expect(ran).toEqual([]);
  });

  it('keeps pacing after an edit fails', async () => {
    const throttle = new EditThrottle(INTERVAL_MS);
    const { ran, task } = recorder();
    throttle.push(() => Promise.reject(new Error('slack said no')));
    throttle.push(task('next'));
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);
    expect(ran).toEqual(['next']);
  });
});
