// After a restart, the messages of jobs that resumed stay live and take the job's progress and
// result; the messages of jobs that did not come back say so, with Re-roll.
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../../src/commands/job-record.js';
import { silentLogger } from '../../../../src/bot/core/logger.js';
import { MemoryImageStore } from '../../../../src/bot/playground/image-store.js';
import { PlaygroundChannel } from '../../../../src/bot/playground/playground-channel.js';
import { messageRef, playgroundRequester } from '../../../../src/bot/playground/playground-identity.js';
import { PlaygroundResumer } from '../../../../src/bot/playground/playground-resumer.js';
import { reviveMessages } from '../../../../src/bot/playground/channel-persistence.js';
import type { WireMessage } from '../../../../src/bot/playground/wire-protocol.js';
import { request } from '../../../fixtures/fake-worker/service-harness.js';

function pending(id: string, jobId: string, prompt: string): WireMessage {
  return {
    id,
    author: { kind: 'bot', name: 'imagine' },
    replyTo: `ann used /imagine ${prompt}`,
    text: `Queued: ${prompt}\nStep 3/10`,
    fields: [],
    tone: 'pending',
    images: [],
    buttonRows: [],
    reactions: [],
    reactionControls: [],
    jobId,
    createdAt: 1,
  };
}

function record(jobId: string, messageId: string, prompt: string): JobRecord {
  return {
    jobId,
    requester: playgroundRequester('ann'),
    request: request(prompt),
    status: 'running',
    createdAt: 1,
    images: [],
    messages: [messageRef(messageId)],
  };
}

/** The job core as the presenter reaches it: these messages are linked already, and nothing is cancelled. */
const jobs = { attachMessage: async () => undefined, cancel: async () => false };

describe('PlaygroundResumer', () => {
  it('keeps the message of a resumed job live and marks the message of a lost one interrupted', async () => {
    const saved = [pending('m1', 'job-1', 'a fox'), pending('m2', 'job-2', 'an owl')];
    const channel = new PlaygroundChannel({ historyLimit: 50 }, reviveMessages(saved, new Set(['job-1', 'job-2'])));
    const resumer = new PlaygroundResumer({ channel, images: new MemoryImageStore(10), jobs, logger: silentLogger, editIntervalMs: 0 }, ['m1', 'm2']);

    resumer.afterResume([{ jobId: 'job-1', user: 'playground:ann', wasRunning: true }]);
    expect(channel.get('m2')).toMatchObject({ tone: 'error', reactionControls: ['🔄'] });
    expect(channel.get('m2')?.text).toMatch(/^Queued: an owl\nThis job was interrupted by a restart/);

    const observer = resumer.observerFor(record('job-1', 'm1', 'a fox'));
    await observer?.onProgress?.(5, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(channel.get('m1')).toMatchObject({ tone: 'pending', text: 'Queued: a fox\nStep 5/10' });
    expect(channel.all()).toHaveLength(2);
  });

  it('shows a resumed job in a new message when the channel was saved before its message', () => {
    const channel = new PlaygroundChannel({ historyLimit: 50 });
    const resumer = new PlaygroundResumer({ channel, images: new MemoryImageStore(10), jobs, logger: silentLogger, editIntervalMs: 0 }, []);
    expect(resumer.observerFor(record('job-3', 'gone', 'a cat'))).toBeDefined();
    expect(channel.all().map((message) => [message.jobId, message.tone])).toEqual([['job-3', 'pending']]);
    expect(resumer.observerFor({ ...record('job-4', 'gone', 'a dog'), requester: { ...playgroundRequester('ann'), platform: 'discord' } })).toBeUndefined();
  });
});
