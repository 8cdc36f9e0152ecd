import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../../../src/bot/slack/recent-ids.js';

describe('RecentIds', () => {
  it('reports a redelivered id as seen, and a new one as not', () => {
    const ids = new RecentIds();
    expect(ids.seen('Ev1')).toBe(false);
    expect(ids.seen('Ev1')).toBe(true);
    expect(ids.seen('Ev2')).toBe(false);
  });

  it('forgets ids after the window', () => {
    let now = 0;
    const windowMs = 1000;
    const ids = new RecentIds(windowMs, 100, () => now);
    ids.seen('Ev1');
    now = windowMs + 1;
    expect(ids.seen('Ev1')).toBe(false);
  });

  it('keeps at most the configured number of ids, dropping the oldest', () => {
    const ids = new RecentIds(60_000, 2);
    ids.seen('a');
    ids.seen('b');
    ids.seen('c');
    expect(ids.seen('c')).toBe(true);
    expect(ids.seen('a')).toBe(false);
  });
});
