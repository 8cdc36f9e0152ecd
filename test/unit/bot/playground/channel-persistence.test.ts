import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Keyv from 'keyv';
import { parseActionId } from '../../../../src/commands/action-id.js';
import type { Logger } from '../../../../src/bot/core/logger.js';
import { KeyvChannelHistoryStore } from '../../../../src/bot/playground/channel-history-store.js';
import type { ChannelHistoryStore } from '../../../../src/bot/playground/channel-history-store.js';
import { reviveMessages, saveChannelOnChange } from '../../../../src/bot/playground/channel-persistence.js';
import { PlaygroundChannel } from '../../../../src/bot/playground/playground-channel.js';
import type { WireMessage } from '../../../../src/bot/playground/wire-protocol.js';

const bot = { kind: 'bot', name: 'imagine' } as const;
const DELAY_MS = 1_000;

function message(overrides: Partial<WireMessage>): WireMessage {
  return {
    id: 'm1',
    author: bot,
    text: 'Queued: a fox\nStep 3/10',
    fields: [],
    tone: 'normal',
    images: [],
    buttonRows: [],
    reactions: [],
    reactionControls: [],
    createdAt: 1,
    ...overrides,
  };
}

class RecordingStore implements ChannelHistoryStore {
  saves: (readonly WireMessage[])[] = [];
  failing = false;
  async load(): Promise<readonly WireMessage[]> {
    return this.saves.at(-1) ?? [];
  }
  async save(messages: readonly WireMessage[]): Promise<void> {
    if (this.failing) throw new Error('disk full');
    this.saves.push(messages);
  }
}

describe('reviveMessages', () => {
  it('marks a job a crash left unfinished as interrupted, with Re-roll from its record', () => {
    const [revived] = reviveMessages([message({ tone: 'pending', jobId: 'job-7', preview: { dataUrl: 'data:,' } })]);
    expect(revived).toMatchObject({ tone: 'error', reactionControls: ['🔄'] });
    expect(revived?.text).toMatch(/^Queued: a fox\nThis job was interrupted by a restart/);
    expect(revived?.preview).toBeUndefined();
    const actions = revived?.buttonRows.flat().map((button) => parseActionId(button.id));
    expect(actions).toEqual([
      { kind: 'reroll', jobId: 'job-7' },
      { kind: 'delete', jobId: 'job-7' },
    ]);
  });

  it('offers no buttons when the job was never accepted, and leaves finished messages alone', () => {
    const finished = message({ id: 'm2', tone: 'normal', text: 'done' });
    const [orphan, kept] = reviveMessages([message({ tone: 'pending' }), finished]);
    expect(orphan).toMatchObject({ tone: 'error', buttonRows: [], reactionControls: [] });
    expect(kept).toBe(finished);
  });
});

describe('saveChannelOnChange', () => {
  let logged: string[];
  const logger: Logger = {
    info: () => undefined,
    warn: (_details, text) => void logged.push(text ?? ''),
    error: () => undefined,
  };

  beforeEach(() => {
    vi.useFakeTimers();
    logged = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('saves once shortly after a burst of changes, without previews', async () => {
    const channel = new PlaygroundChannel({ historyLimit: 10 });
    const store = new RecordingStore();
    saveChannelOnChange(channel, store, { logger, delayMs: DELAY_MS });
    const posted = channel.post({ author: bot, text: 'Step 1', preview: { dataUrl: 'data:,1' } });
    channel.edit(posted.id, { text: 'Step 2', preview: { dataUrl: 'data:,2' } });
    await vi.advanceTimersByTimeAsync(DELAY_MS - 1);
    expect(store.saves).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.saves).toHaveLength(1);
    expect(store.saves[0]).toMatchObject([{ id: posted.id, text: 'Step 2' }]);
    expect(store.saves[0]?.[0]).not.toHaveProperty('preview');
  });

  it('writes what is left on close, and stops watching', async () => {
    const channel = new PlaygroundChannel({ historyLimit: 10 });
    const store = new RecordingStore();
    const saver = saveChannelOnChange(channel, store, { logger, delayMs: DELAY_MS });
    channel.post({ author: bot, text: 'last words' });
    await saver.close();
    expect(store.saves.at(-1)).toMatchObject([{ text: 'last words' }]);
    channel.post({ author: bot, text: 'after close' });
    await vi.advanceTimersByTimeAsync(DELAY_MS * 2);
    expect(store.saves).toHaveLength(1);
  });

  it('logs a failed save and keeps going', async () => {
    const channel = new PlaygroundChannel({ historyLimit: 10 });
    const store = new RecordingStore();
    store.failing = true;
    const saver = saveChannelOnChange(channel, store, { logger, delayMs: DELAY_MS });
    channel.post({ author: bot, text: 'one' });
    await vi.advanceTimersByTimeAsync(DELAY_MS);
    expect(logged).toEqual(['playground: could not save the channel']);
    store.failing = false;
    channel.post({ author: bot, text: 'two' });
    await saver.close();
    expect(store.saves.at(-1)?.map((saved) => saved.text)).toEqual(['one', 'two']);
  });
});

describe('KeyvChannelHistoryStore', () => {
  it('round-trips the channel and drops entries that are not messages', async () => {
    const keyv = new Keyv();
    const store = new KeyvChannelHistoryStore(keyv);
    expect(await store.load()).toEqual([]);
    const saved = [message({ id: 'a' }), message({ id: 'b', images: [{ path: '/images/x/y.png', filename: 'y.png' }] })];
    await store.save(saved);
    expect(await store.load()).toEqual(saved);
    await keyv.set('playground:history', [saved[0], { id: 'broken' }, 42]);
    expect(await store.load()).toEqual([saved[0]]);
  });

  it('brings a saved channel back in order, trimmed to the history limit', () => {
    const saved = ['a', 'b', 'c'].map((id) => message({ id, text: id }));
    const channel = new PlaygroundChannel({ historyLimit: 2 }, saved);
    expect(channel.historyFor('ann').map((restored) => restored.text)).toEqual(['b', 'c']);
  });
});
