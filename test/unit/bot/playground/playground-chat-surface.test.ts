import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerateRequest } from '../../../../src/commands/generate-request.js';
import type { JobRecord } from '../../../../src/commands/job-record.js';
import { UserFacingError } from '../../../../src/commands/user-facing-error.js';
import { silentLogger } from '../../../../src/bot/core/logger.js';
import { MemoryImageStore } from '../../../../src/bot/playground/image-store.js';
import { PlaygroundChannel } from '../../../../src/bot/playground/playground-channel.js';
import { PlaygroundChatSurface } from '../../../../src/bot/playground/playground-chat-surface.js';
import { pngDataUrl } from '../../../../src/bot/playground/render-reply.js';
import type { WireMessage } from '../../../../src/bot/playground/wire-protocol.js';

const INTERVAL_MS = 500;
const request: GenerateRequest = {
  prompt: 'a lighthouse at dusk',
  negativePrompt: '',
  seed: 42,
  numInferenceSteps: 10,
  guidanceScale: 7,
  sampler: 'euler_a',
  width: 768,
  height: 512,
  count: 1,
  model: 'tiny',
  origin: 'imagine',
  notes: [],
};
const record: JobRecord = {
  jobId: 'job-1',
  requester: { platform: 'playground', userId: 'ann', channelId: 'playground', ageRestrictedChannel: false },
  request,
  status: 'succeeded',
  createdAt: 0,
  startedAt: 1_000,
  finishedAt: 4_000,
  images: [{ seed: 42, width: 768, height: 512, nsfw: false, imageId: 'job-1-0' }],
  messages: [],
};
const png = (marker: number) => Uint8Array.of(0x89, 0x50, 0x4e, 0x47, marker);

let channel: PlaygroundChannel;
let images: MemoryImageStore;
let shown: WireMessage[];
let surface: PlaygroundChatSurface;

beforeEach(() => {
  vi.useFakeTimers();
  channel = new PlaygroundChannel({ historyLimit: 50 });
  images = new MemoryImageStore(10);
  shown = [];
  channel.subscribe((event) => {
    if (event.kind === 'upsert') shown.push(event.message);
  });
  surface = new PlaygroundChatSurface(
    { channel, images, logger: silentLogger, editIntervalMs: INTERVAL_MS },
    { replyTo: 'ann used /imagine a lighthouse at dusk', ageRestricted: false },
  );
});

afterEach(() => {
  vi.useRealTimers();
});

const ack = { kind: 'ack', text: 'Queued: a lighthouse at dusk', ephemeral: false } as const;
const latest = () => shown.at(-1);

describe('PlaygroundChatSurface', () => {
  it('posts the acknowledgement at once and names the message for the job records', () => {
    const ref = surface.acknowledge(ack);
    expect(ref).toEqual({ platform: 'playground', channelId: 'playground', messageId: shown[0]?.id });
    expect(shown[0]).toMatchObject({ tone: 'pending', text: ack.text, replyTo: 'ann used /imagine a lighthouse at dusk' });
  });

  it('throttles progress to one edit per interval and never shows an overtaken preview', async () => {
    surface.acknowledge(ack);
    surface.onQueued(2, 30_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(latest()?.text).toBe('Queued: a lighthouse at dusk\nQueued: 2nd in line, about 30 s.');

    for (let step = 1; step <= 10; step++) {
      surface.onProgress(step, 10, step % 5 === 0 ? png(step) : undefined);
      await vi.advanceTimersByTimeAsync(20);
    }
    const editsDuringSteps = shown.length;
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);

    expect(editsDuringSteps).toBe(2);
    expect(shown).toHaveLength(3);
    expect(latest()?.text).toContain('Step 10/10');
    expect(latest()?.preview).toEqual({ dataUrl: pngDataUrl(png(10)) });
    expect(shown.some((message) => message.preview?.dataUrl === pngDataUrl(png(5)))).toBe(false);
  });

  it('keeps the last preview on the steps between previews', async () => {
    surface.acknowledge(ack);
    surface.onProgress(5, 10, png(5));
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    surface.onProgress(6, 10);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(latest()).toMatchObject({ text: expect.stringContaining('Step 6/10'), preview: { dataUrl: pngDataUrl(png(5)) } });
  });

  it('turns the same message into the result, dropping a progress edit still waiting', async () => {
    surface.acknowledge(ack);
    surface.onProgress(1, 10);
    surface.onProgress(9, 10, png(9));
    await surface.onSucceeded(record, [png(1)], { truncatedWords: [] });
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);

    const result = latest();
    expect(shown.every((message) => message.id === result?.id)).toBe(true);
    expect(result?.text).not.toContain('Step 9/10');
    expect(result).toMatchObject({ tone: 'normal', jobId: 'job-1', reactionControls: ['🔄'] });
    expect(result?.preview).toBeUndefined();
    expect(result?.fields).toContainEqual({ label: 'Seed', value: '42', inline: true });
    expect(result?.fields).toContainEqual({ label: 'Time', value: '3 s', inline: true });
    const imageId = result?.images[0]?.path.split('/')[2] ?? '';
    expect(await images.get(imageId)).toEqual(png(1));
  });

  it('withholds images the safety checker flagged, saying so', async () => {
    surface.acknowledge(ack);
    const flagged: JobRecord = { ...record, images: [{ ...record.images[0]!, nsfw: true }] };
    await surface.onSucceeded(flagged, [png(1)], { truncatedWords: [] });
    expect(latest()?.images).toEqual([]);
    expect(latest()?.text).toContain('flagged by the safety checker');
  });

  it('shows a failure with the prompt it belongs to, and offers 🔄 once the job is known', async () => {
    surface.acknowledge(ack);
    surface.showsJob('job-1');
    await surface.onFailed(new UserFacingError('worker_crashed', '', { jobId: 'job-1' }));
    expect(latest()).toMatchObject({ tone: 'error', reactionControls: ['🔄'], jobId: 'job-1' });
    expect(latest()?.text).toMatch(/^Queued: a lighthouse at dusk\nThe image worker crashed/);
    expect(latest()?.preview).toBeUndefined();
  });

  it('ignores anything after the end, and never brings back a deleted message', async () => {
    const { messageId } = surface.acknowledge(ack);
    channel.remove(messageId);
    surface.onProgress(3, 10, png(3));
    await surface.onFailed(new UserFacingError('cancelled', ''));
    await surface.onSucceeded(record, [png(1)], { truncatedWords: [] });
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(channel.get(messageId)).toBeUndefined();
    expect(shown).toHaveLength(1);
  });
});
