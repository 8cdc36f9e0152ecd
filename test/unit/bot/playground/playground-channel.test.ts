import { describe, expect, it } from 'vitest';
import type { ChannelEvent } from '../../../../src/bot/playground/playground-channel.js';
import { PlaygroundChannel } from '../../../../src/bot/playground/playground-channel.js';

const bot = { kind: 'bot', name: 'imagine' } as const;

function channelWithLog(historyLimit = 50) {
  let clock = 1_000;
  let nextId = 0;
  const channel = new PlaygroundChannel({ historyLimit, now: () => ++clock, newId: () => `m${++nextId}` });
  const events: ChannelEvent[] = [];
  channel.subscribe((event) => events.push(event));
  return { channel, events };
}

describe('PlaygroundChannel', () => {
  it('posts, edits in place and deletes, telling listeners each time', () => {
    const { channel, events } = channelWithLog();
    const posted = channel.post({ author: bot, text: 'Queued, position 2', tone: 'pending' });
    channel.edit(posted.id, { text: 'Step 5 of 20', preview: { dataUrl: 'data:image/png;base64,AA' } });
    const done = channel.edit(posted.id, { text: 'Done', tone: 'normal', preview: undefined });

    expect(done).toMatchObject({ id: posted.id, text: 'Done', tone: 'normal', editedAt: expect.any(Number) });
    expect(done).not.toHaveProperty('preview');
    expect(channel.remove(posted.id)).toBe(true);
    expect(events.map((event) => event.kind)).toEqual(['upsert', 'upsert', 'upsert', 'remove']);
    expect(channel.historyFor('ann')).toEqual([]);
  });

  it('ignores edits to a deleted message, so a late preview cannot resurrect it', () => {
    const { channel, events } = channelWithLog();
    const posted = channel.post({ author: bot, text: 'Working' });
    channel.remove(posted.id);
    expect(channel.edit(posted.id, { text: 'Step 3' })).toBeUndefined();
    expect(events).toHaveLength(2);
  });

  it('shows private replies only to their user', () => {
    const { channel } = channelWithLog();
    channel.post({ author: bot, text: 'public' });
    channel.post({ author: bot, text: 'for ann', visibleTo: 'ann' });
    expect(channel.historyFor('ann').map((message) => message.text)).toEqual(['public', 'for ann']);
    expect(channel.historyFor('bob').map((message) => message.text)).toEqual(['public']);
  });

  it('keeps only the newest messages', () => {
    const { channel } = channelWithLog(2);
    for (const text of ['one', 'two', 'three']) channel.post({ author: bot, text });
    expect(channel.historyFor('ann').map((message) => message.text)).toEqual(['two', 'three']);
  });

  it('toggles a user reaction and counts users per emoji', () => {
    const { channel } = channelWithLog();
    const { id } = channel.post({ author: bot, text: 'result', reactionControls: ['🔄'] });
    channel.toggleReaction(id, '🔄', 'ann');
    expect(channel.toggleReaction(id, '🔄', 'bob')?.reactions).toEqual([{ emoji: '🔄', users: ['ann', 'bob'] }]);
    expect(channel.toggleReaction(id, '🔄', 'ann')?.reactions).toEqual([{ emoji: '🔄', users: ['bob'] }]);
    expect(channel.toggleReaction(id, '🔄', 'bob')?.reactions).toEqual([]);
    expect(channel.toggleReaction('gone', '🔄', 'bob')).toBeUndefined();
  });
});
