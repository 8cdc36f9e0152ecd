import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineAck, HOLDING_REPLY } from '../../../../src/bot/slack/deadline-ack.js';

const BUDGET_MS = 2500;

describe('DeadlineAck', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('puts an answer ready in time into the ack, once', async () => {
    const acks: string[] = [];
    const deadline = new DeadlineAck(async (body) => void acks.push(body?.text ?? ''), BUDGET_MS);
    expect(await deadline.reply('#2 in line')).toBe(true);
    await vi.advanceTimersByTimeAsync(BUDGET_MS * 2);
    expect(acks).toEqual(['#2 in line']);
  });

  it('acks with a holding reply at the budget and tells the caller to send the late answer another way', async () => {
    const acks: { text: string; at: number }[] = [];
    const start = Date.now();
    const deadline = new DeadlineAck(async (body) => void acks.push({ text: body?.text ?? '', at: Date.now() }), BUDGET_MS);
    await vi.advanceTimersByTimeAsync(BUDGET_MS);
    expect(await deadline.reply('#2 in line')).toBe(false);
    expect(acks).toEqual([{ text: HOLDING_REPLY, at: start + BUDGET_MS }]);
  });

  it('still acks, with nothing to say, when closed before any answer', async () => {
    const acks: (string | undefined)[] = [];
    const deadline = new DeadlineAck(async (body) => void acks.push(body?.text), BUDGET_MS);
    await deadline.close();
    await vi.advanceTimersByTimeAsync(BUDGET_MS * 2);
    expect(acks).toEqual([undefined]);
  });

  it('reports a failing ack instead of throwing', async () => {
    const errors: unknown[] = [];
    const deadline = new DeadlineAck(() => Promise.reject(new Error('socket closed')), BUDGET_MS, (error) => errors.push(error));
    expect(await deadline.reply('hi')).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
