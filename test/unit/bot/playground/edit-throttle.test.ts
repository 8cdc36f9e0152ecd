import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditThrottle } from '../../../../src/bot/playground/edit-throttle.js';

const INTERVAL_MS = 500;

describe('EditThrottle', () => {
  let shown: string[];
  let throttle: EditThrottle;

  beforeEach(() => {
    vi.useFakeTimers();
    shown = [];
    throttle = new EditThrottle(INTERVAL_MS);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const push = (label: string) => throttle.push(() => shown.push(label));

  it('shows the first edit at once', () => {
    push('queued');
    expect(shown).toEqual(['queued']);
  });

  it('shows at most one edit per interval, always the newest, dropping the ones overtaken', () => {
    push('step 1');
    for (let step = 2; step <= 9; step++) {
      vi.advanceTimersByTime(50);
      push(`step ${step}`);
    }
    expect(shown).toEqual(['step 1']);
    vi.advanceTimersByTime(INTERVAL_MS - 400);
    expect(shown).toEqual(['step 1', 'step 9']);
    vi.advanceTimersByTime(INTERVAL_MS * 2);
    expect(shown).toEqual(['step 1', 'step 9']);
  });

  it('shows an edit at once when the last one is long enough ago', () => {
    push('a');
    vi.advanceTimersByTime(INTERVAL_MS);
    push('b');
    expect(shown).toEqual(['a', 'b']);
  });

  it('never shows an edit that was waiting when it is cancelled', () => {
    push('step 1');
    push('step 2');
    throttle.cancel();
    vi.advanceTimersByTime(INTERVAL_MS * 2);
    expect(shown).toEqual(['step 1']);
  });

  it('with interval 0, shows every edit', () => {
    const eager = new EditThrottle(0);
    for (const label of ['a', 'b', 'c']) eager.push(() => shown.push(label));
    expect(shown).toEqual(['a', 'b', 'c']);
  });
});
