// At start the bot lists the records a crash left queued or running, on the stores it really
// opens (SQLite with its namespace, and Redis), and marks each interrupted once, everywhere.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../../src/bot/core/chat-adapter.js';
import { KeyvJobStore } from '../../../../src/bot/core/job-store.js';
import { silentLogger } from '../../../../src/bot/core/logger.js';
import { openStateStore } from '../../../../src/bot/core/state-store.js';
import { findUnfinishedJobs, markInterrupted } from '../../../../src/bot/core/unfinished-jobs.js';
import type { JobRecord, JobStatus } from '../../../../src/commands/job-record.js';
import { request } from '../../../fixtures/fake-worker/service-harness.js';
import { REDIS_SKIP_REASON, redisServerAvailable, startRedis, type RunningRedis } from './redis-server.js';

function record(jobId: string, status: JobStatus, platform: 'discord' | 'slack'): JobRecord {
  return {
    jobId,
    requester: { platform, userId: 'u1', channelId: 'c1', ageRestrictedChannel: false },
    request: request(`prompt of ${jobId}`),
    status,
    createdAt: Date.now(),
    images: [],
    messages: [{ platform, channelId: 'c1', messageId: `m-${jobId}` }],
  };
}

class RecordingAdapter implements Pick<ChatAdapter, 'platform' | 'markInterrupted'> {
  readonly marked: string[] = [];
  constructor(readonly platform: ChatAdapter['platform']) {}
  async markInterrupted(shown: JobRecord): Promise<void> {
    this.marked.push(`${shown.jobId}:${shown.status}`);
  }
}

function suite(name: string, open: () => Promise<Keyv>): void {
  it(`${name}: finds only queued and running records, and marks each interrupted once, on its own platform`, async () => {
    const keyv = await open();
    const jobs = new KeyvJobStore(keyv);
    await jobs.put(record('waiting', 'queued', 'discord'));
    await jobs.put(record('running', 'running', 'slack'));
    await jobs.put(record('done', 'succeeded', 'discord'));
    await jobs.put(record('failed', 'failed', 'slack'));
    await keyv.set('limit:discord:u1', { tokens: 3 });

    const found = await findUnfinishedJobs(keyv);
    expect(found.map((r) => r.jobId).sort()).toEqual(['running', 'waiting']);

    const discord = new RecordingAdapter('discord');
    const slack = new RecordingAdapter('slack');
    for (const stale of found) await markInterrupted(stale, { jobs, adapters: [discord, slack], logger: silentLogger });
    expect(discord.marked).toEqual(['waiting:interrupted']);
    expect(slack.marked).toEqual(['running:interrupted']);
    expect((await jobs.get('running'))?.status).toBe('interrupted');
    // The next start has nothing left to mark.
    expect(await findUnfinishedJobs(keyv)).toEqual([]);
    await keyv.disconnect();
  });
}

let dir = '';
let redis: RunningRedis | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-unfinished-'));
  if (redisServerAvailable()) redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('unfinished jobs at start', () => {
  suite('SQLite', async () => openStateStore({ dataDir: dir, logger: silentLogger }));
  describe.skipIf(!redisServerAvailable())(`Redis (${REDIS_SKIP_REASON})`, () => {
    suite('Redis', async () => openStateStore({ dataDir: dir, redisUrl: redis?.url ?? '', logger: silentLogger }));
  });
});
