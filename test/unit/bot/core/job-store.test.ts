import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord, MessageRef } from '../../../../src/commands/job-record.js';
import { resultImageId } from '../../../../src/bot/core/ports/image-store.js';
import { FileImageStore } from '../../../../src/bot/core/image-store.js';
import { KeyvJobStore } from '../../../../src/bot/core/job-store.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-jobs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(jobId: string, createdAt = Date.now(), messages: MessageRef[] = []): JobRecord {
  return {
    jobId,
    requester: { platform: 'discord', userId: 'u1', guildId: 'g1', channelId: 'c1', ageRestrictedChannel: false },
    request: {
      prompt: 'a cat',
      negativePrompt: '',
      seed: 42,
      numInferenceSteps: 20,
      guidanceScale: 7,
      sampler: 'euler_a',
      width: 512,
      height: 512,
      count: 2,
      model: 'sd15',
      origin: 'imagine',
      notes: [],
    },
    status: 'succeeded',
    createdAt,
    images: [{ seed: 42, width: 512, height: 512, nsfw: false, imageId: `${jobId}-0` }],
    messages,
  };
}

const discordMessage: MessageRef = { platform: 'discord', channelId: 'c1', messageId: 'm1' };
const slackMessage: MessageRef = { platform: 'slack', channelId: 'C9', messageId: '1712.0001' };

describe('KeyvJobStore', () => {
  it('finds a record by job id and by every message that shows it, after reopening the SQLite file', async () => {
    const file = `sqlite://${join(dir, 'jobs.sqlite')}`;
    const first = new Keyv({ store: new KeyvSqlite(file) });
    const store = new KeyvJobStore(first);
    await store.put(record('job-1', Date.now(), [discordMessage]));
    await store.attachMessage('job-1', slackMessage);
    await store.attachMessage('job-1', slackMessage); // twice is once
    await first.disconnect();

    const reopened = new KeyvJobStore(new Keyv({ store: new KeyvSqlite(file) }));
    const byId = await reopened.get('job-1');
    expect(byId?.request.prompt).toBe('a cat');
    expect(byId?.messages).toEqual([discordMessage, slackMessage]);
    expect((await reopened.findByMessage(slackMessage))?.jobId).toBe('job-1');
    expect((await reopened.findByMessage(discordMessage))?.jobId).toBe('job-1');
    expect(await reopened.findByMessage({ ...discordMessage, messageId: 'other' })).toBeUndefined();
    expect(await reopened.get('job-2')).toBeUndefined();
  });

  it('keeps messages attached while the job is being updated', async () => {
    const store = new KeyvJobStore(new Keyv());
    await store.put({ ...record('job-3'), status: 'running' });
    await Promise.all([
      store.attachMessage('job-3', discordMessage),
      store.update('job-3', (current) => ({ ...current, status: 'succeeded' })),
      store.attachMessage('job-3', slackMessage),
    ]);
    const stored = await store.get('job-3');
    expect(stored?.status).toBe('succeeded');
    expect(stored?.messages).toHaveLength(2);
  });

  it('forgets records and their message index once the TTL, counted from creation, has passed', async () => {
    const ttlMs = 150;
    const store = new KeyvJobStore(new Keyv(), { ttlMs });
    await store.put(record('short', Date.now(), [discordMessage]));
    expect(await store.get('short')).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 50));
    expect(await store.get('short')).toBeUndefined();
    expect(await store.findByMessage(discordMessage)).toBeUndefined();
    // A record created longer ago than the TTL is not written at all.
    await store.put(record('ancient', Date.now() - 2 * ttlMs));
    expect(await store.get('ancient')).toBeUndefined();
  });
});

describe('FileImageStore', () => {
  it('stores bytes by id and reads them back after reopening', async () => {
    const images = await FileImageStore.open(join(dir, 'images-a'));
    const id = resultImageId('3f0c6f5e-1b7b-4a55-9a43-3c3f3f3f3f3f', 1);
    await images.put(id, new Uint8Array([1, 2, 3]));
    const reopened = await FileImageStore.open(join(dir, 'images-a'));
    expect([...((await reopened.get(id)) ?? [])]).toEqual([1, 2, 3]);
    expect(await reopened.get('missing')).toBeUndefined();
    await expect(reopened.put('../escape', new Uint8Array([0]))).rejects.toThrow('invalid image id');
  });

  it('expires images with the records, unless a newer job touched them', async () => {
    const clock = { now: Date.now() };
    const ttlMs = 60_000;
    const images = await FileImageStore.open(join(dir, 'images-b'), { ttlMs, now: () => clock.now });
    const old = FileImageStore.uploadId();
    const kept = FileImageStore.uploadId();
    await images.put(old, new Uint8Array([1]));
    await images.put(kept, new Uint8Array([2]));
    const past = new Date(clock.now - 2 * ttlMs);
    await utimes(join(dir, 'images-b', `${old}.img`), past, past);
    await utimes(join(dir, 'images-b', `${kept}.img`), past, past);
    expect(await images.touch(kept)).toBe(true);

    expect(await images.sweep()).toBe(1);
    expect(await images.get(old)).toBeUndefined();
    expect(await images.get(kept)).toBeDefined();
    expect(await readdir(join(dir, 'images-b'))).toEqual([`${kept}.img`]);

    clock.now += 2 * ttlMs;
    expect(await images.get(kept)).toBeUndefined();
  });
});
