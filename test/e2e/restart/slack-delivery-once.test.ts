// A Slack bot killed in the middle of posting a result: Slack had taken the upload (the PNG is
// shared), but the bot died before it edited the job's message and before it marked the job
// delivered. The next bot, on the same state, waits out the dead one's delivery turn and posts
// the ending again; what reaches Slack is one upload, and the job's message with its final text,
// the seed and the buttons, whose delete button points at that one file. A bot killed before
// Slack took the upload leaves nothing to find, and the next bot uploads the result itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import Keyv from 'keyv';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileImageStore } from '../../../src/bot/core/image-store.js';
import type { JobLinks } from '../../../src/bot/core/job-presenter.js';
import { JobRunner } from '../../../src/bot/core/job-runner.js';
import { KeyvJobStore } from '../../../src/bot/core/job-store.js';
import type { JobQueueEvent } from '../../../src/bot/core/ports/job-queue.js';
import { KeyvRateLimiter } from '../../../src/bot/core/rate-limiter.js';
import { resumedPresenter } from '../../../src/bot/core/resumed-presenter.js';
import { DeliveredFiles } from '../../../src/bot/slack/delivered-files.js';
import { SlackChatSurface } from '../../../src/bot/slack/slack-chat-surface.js';
import { uploadedFiles } from '../../../src/bot/slack/uploaded-files.js';
import type { JobRecord } from '../../../src/commands/job-record.js';
import { request, requester } from '../../fixtures/fake-worker/service-harness.js';
import { FakeSlack } from '../fake-slack/fake-slack.js';

const LEASE_MS = 300;
const CHANNEL = 'C0GENERAL';
const SEED = 4242;
const RESULT_FILE = `imagine-${SEED}.png`;
const PNG = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
const quietLogger = pino({ level: 'silent' });

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-slack-once-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const completed: JobQueueEvent = {
  type: 'completed',
  jobId: 'job-1',
  result: {
    images: [{ png: PNG, seed: SEED, width: 64, height: 64, nsfw: false }],
    timings: { totalMs: 1, textEncodeMs: 0, denoiseMs: 1, decodeMs: 0, msPerStep: 1 },
    truncatedWords: [],
    model: 'tiny',
  },
};

/** What a presenter records about a job's messages: kept in the state; nothing here is cancelled. */
const links = (jobs: KeyvJobStore): JobLinks => ({ attachMessage: (jobId, ref) => jobs.attachMessage(jobId, ref), cancel: async () => undefined });

/** The final edit carries the result's buttons (an actions block); progress edits do not. */
const isFinalEdit = (args: Readonly<Record<string, string>>): boolean => (args['blocks'] ?? '').includes('"actions"');

/** A job running in the channel with a kept record and its message, and the bots that deliver it. */
async function world(fake: FakeSlack, resultsInThread: boolean) {
  const keyv = new Keyv();
  const images = await FileImageStore.open(await mkdtemp(join(dir, 'images-')));
  const clientOf = () => new webApi.WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
  // An earlier job with the same seed, shared before this one started: not this job's result.
  const earlier = await clientOf().files.uploadV2({ channel_id: CHANNEL, file: Buffer.from(PNG), filename: RESULT_FILE, title: RESULT_FILE });
  const earlierIds = new Set(uploadedFiles(earlier).fileIds);
  // The job's message, as a bot posted it when the job started.
  const jobTs = fake.workspace.postBotMessage({ channel: CHANNEL, text: 'Starting now', blocks: [] }).ts;
  const record: JobRecord = {
    jobId: 'job-1',
    requester: requester('U0ALICE', { platform: 'slack', channelId: CHANNEL, guildId: 'T0FAKE' }),
    request: request('a lighthouse', { seed: SEED }),
    status: 'running',
    createdAt: Date.now(),
    images: [],
    messages: [{ platform: 'slack', channelId: CHANNEL, messageId: jobTs }],
  };
  await new KeyvJobStore(keyv).put(record);

  /** One bot process: its own Slack client and runner on the shared state; it adopts the job's message. */
  const botProcess = (jobs: KeyvJobStore) => {
    const client = clientOf();
    const surface = new SlackChatSurface(
      { client, previewClient: client, files: new DeliveredFiles(), logger: quietLogger, resultsInThread, botUserId: () => fake.botUserId },
      { channelId: CHANNEL, requesterId: 'U0ALICE', answer: async () => undefined, announceAccepted: false },
    );
    surface.adopt(jobTs);
    const runner = new JobRunner({ jobs, images, limiter: KeyvRateLimiter.forKeyv(keyv), deliveryLeaseMs: LEASE_MS });
    runner.addResumer({
      observerFor: (kept) => resumedPresenter(kept, surface, { jobs: links(jobs), editIntervalMs: 50, nsfwPolicy: 'spoiler', logger: quietLogger, logContext: {} }),
    });
    return runner;
  };

  /** A bot that dies once its delivery reached Slack: it never marks the job delivered. */
  const killedBot = () => {
    const jobs = new KeyvJobStore(keyv);
    jobs.finishDelivery = async () => undefined;
    return botProcess(jobs);
  };

  /** This job's result files that Slack shares where the user looks (the job's thread, or the channel). */
  const sharedResults = () =>
    fake.workspace
      .messagesIn(CHANNEL, resultsInThread ? jobTs : undefined)
      .flatMap((m) => m.fileIds)
      .filter((id) => !earlierIds.has(id) && fake.workspace.files.get(id)?.filename === RESULT_FILE);

  const jobBlocks = () => JSON.stringify(fake.workspace.message(CHANNEL, jobTs)?.blocks);
  return { keyv, botProcess, killedBot, sharedResults, jobBlocks };
}

/** What the user sees at the end: one result file, and the job message with its text, seed and buttons. */
async function expectDeliveredOnce(w: Awaited<ReturnType<typeof world>>, jobs: KeyvJobStore): Promise<void> {
  const results = w.sharedResults();
  expect(results).toHaveLength(1);
  const blocks = w.jobBlocks();
  expect(blocks).toContain('"actions"');
  expect(blocks).toContain(String(SEED));
  // Its delete button removes the one file the user sees.
  expect(blocks).toContain(`"value":"${results[0] ?? ''}"`);
  expect(await jobs.takeDelivery('job-1', 'a later bot', LEASE_MS)).toEqual({ turn: 'done' });
}

describe('a Slack bot killed while delivering a result', () => {
  for (const resultsInThread of [true, false]) {
    const where = resultsInThread ? 'results in the thread' : 'results in the channel';

    it(`after Slack took the upload: the next bot edits the job message without uploading again (${where})`, async () => {
      const fake = await FakeSlack.start();
      try {
        const w = await world(fake, resultsInThread);
        const uploadsBefore = fake.calls.of('files.completeUploadExternal').length;
        // The first bot's upload is shared; its edit of the job message never arrives.
        fake.failNext('chat.update', { error: 'internal_error' }, { when: isFinalEdit });
        await w.killedBot().handle(completed);
        expect(w.sharedResults()).toHaveLength(1);
        expect(w.jobBlocks()).not.toContain('"actions"');

        // The next bot, on the same state, delivers the ending again.
        const jobs = new KeyvJobStore(w.keyv);
        await w.botProcess(jobs).handle(completed);

        expect(fake.calls.of('files.completeUploadExternal').length - uploadsBefore).toBe(1);
        await expectDeliveredOnce(w, jobs);
      } finally {
        await fake.close();
      }
    }, 20_000);

    it(`before Slack took the upload: the next bot uploads the result (${where})`, async () => {
      const fake = await FakeSlack.start();
      try {
        const w = await world(fake, resultsInThread);
        fake.failNext('files.completeUploadExternal', { error: 'internal_error' });
        await w.killedBot().handle(completed);
        expect(w.sharedResults()).toHaveLength(0);

        const jobs = new KeyvJobStore(w.keyv);
        await w.botProcess(jobs).handle(completed);

        await expectDeliveredOnce(w, jobs);
      } finally {
        await fake.close();
      }
    }, 20_000);
  }
});
