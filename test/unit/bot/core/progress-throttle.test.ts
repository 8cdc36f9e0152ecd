import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressThrottle } from '../../../../src/bot/core/progress-throttle.js';

const INTERVAL_MS = 2000;

interface Sent {
  readonly state: number;
  readonly startedAt: number;
}

function harness(sendDurationMs = 0, failOn: readonly number[] = [], intervalMs = INTERVAL_MS) {
  const sent: Sent[] = [];
  const errors: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sender = new ProgressThrottle<number>({
    intervalMs,
    send: async (state) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      sent.push({ state, startedAt: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, sendDurationMs));
      inFlight -= 1;
      if (failOn.includes(state)) throw new Error(`edit ${state} failed`);
    },
    onError: (_error, state) => errors.push(state),
  });
  return { sender, sent, errors, maxInFlight: () => maxInFlight };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ProgressThrottle (every chat surface paces its edits with it)', () => {
  it('sends at once when idle, then only the newest state of each interval', async () => {
    const { sender, sent } = harness();
    for (let step = 1; step <= 3; step += 1) sender.offer(step);
    await vi.advanceTimersByTimeAsync(100);
    for (let step = 4; step <= 10; step += 1) {
      sender.offer(step);
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 3);
    expect(sent.map((entry) => entry.state)).toEqual([3, 10]);
    expect(sent[0]?.startedAt).toBe(0);
    expect(sent[1]?.startedAt).toBeGreaterThanOrEqual(INTERVAL_MS);
    expect(sent[1]?.startedAt).toBeLessThan(INTERVAL_MS + 100);
  });

  it.each([
    { name: 'fast sends', sendDurationMs: 10 },
    { name: 'sends slower than the interval', sendDurationMs: INTERVAL_MS * 2.5 },
  ])('keeps one send in flight and starts each at least the interval after the last one ended ($name)', async ({ sendDurationMs }) => {
    const { sender, sent, maxInFlight } = harness(sendDurationMs);
    for (let step = 1; step <= 20; step += 1) {
      sender.offer(step);
      await vi.advanceTimersByTimeAsync(300);
    }
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 10);
    expect(maxInFlight()).toBe(1);
    const gaps = sent.slice(1).map((entry, index) => entry.startedAt - (sent[index]?.startedAt ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS + sendDurationMs);
    expect(sent.at(-1)?.state).toBe(20);
  });

  it('reports a failed send and keeps sending later states', async () => {
    const { sender, sent, errors } = harness(0, [1]);
    sender.offer(1);
    await vi.advanceTimersByTimeAsync(10);
    sender.offer(2);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(errors).toEqual([1]);
    expect(sent.map((entry) => entry.state)).toEqual([1, 2]);
  });

  it('on close drops the waiting state and waits for the send in flight', async () => {
    const { sender, sent } = harness(500);
    sender.offer(1);
    await vi.advanceTimersByTimeAsync(10);
    sender.offer(2);
    let closed = false;
    const closing = sender.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);
    await closing;
    sender.offer(4);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);
    expect(sent.map((entry) => entry.state)).toEqual([1]);
  });

  it('holds the next send back for a Retry-After, longer than the interval', async () => {
    const { sender, sent } = harness();
    sender.offer(1);
    await vi.advanceTimersByTimeAsync(10);
    sender.holdFor(INTERVAL_MS * 3);
    sender.offer(2);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);
    expect(sent.map((entry) => entry.state)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);
    expect(sent.map((entry) => entry.state)).toEqual([1, 2]);
    expect(sent[1]?.startedAt).toBeGreaterThanOrEqual(INTERVAL_MS * 3);
  });

  it('counts the states it dropped for newer ones', async () => {
    const { sender, sent } = harness();
    for (let step = 1; step <= 5; step += 1) sender.offer(step);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);
    expect(sent.map((entry) => entry.state)).toEqual([5]);
    expect(sender.dropped).toBe(4);
  });

  it('with interval 0, sends every state offered one at a time', async () => {
    const { sender, sent } = harness(0, [], 0);
    for (let step = 1; step <= 3; step += 1) {
      sender.offer(step);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(sent.map((entry) => entry.state)).toEqual([1, 2, 3]);
  });
});
