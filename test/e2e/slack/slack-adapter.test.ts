// The Slack adapter end to end: the real Bolt app (Socket Mode and HTTP mode) against the local
// fake Slack, on the real commands layer, job service and pipeline worker with an oracle model
// (pipeline-under-test.ts). Tests wait on calls, acks, logs and the adapter going idle, never on
// fixed sleeps, so they hold up on a busy machine.
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MESSAGE_GONE } from '../../../src/bot/core/job-presenter.js';
import { HOLDING_REPLY } from '../../../src/bot/slack/deadline-ack.js';
import type { RecordedCall } from '../fake-slack/call-log.js';
import type { FakeSlack } from '../fake-slack/fake-slack.js';
import { deliverOverHttp } from '../fake-slack/http-delivery.js';
import { readEmbeddedParameters, type EmbeddedParameters } from './embedded-parameters.js';
import { startPipelineUnderTest, type PipelineUnderTest } from './pipeline-under-test.js';
import { SIGNING_SECRET, TEST_EDIT_INTERVAL_MS, startSlackHarness, type HarnessOptions, type SlackHarness, isResultUpload } from './slack-harness.js';

const CHANNEL = 'C0GENERAL';
const SLACK_ACK_DEADLINE_MS = 3000;
/** Timer jitter allowed when checking that edits are spaced out. */
const TIMING_SLACK_MS = 15;
const RETRY_AFTER_SEC = 1;
const MS_PER_SECOND = 1000;
/** Generous for a loaded machine: the longest job here takes a few seconds on an idle one. */
const RESULT_TIMEOUT_MS = 30_000;
const POLL_TIMEOUT_MS = 10_000;
/** A PNG stores 8-bit channels: the closed form's colour, rounded, give or take this. */
const COLOUR_TOLERANCE = 2;
const RGB_CHANNELS = 3;
/** What the adapter logs when it drops a job whose message Slack refused, and a redelivered event. */
const CANCELLING = 'slack: could not post the job message; cancelling';
const REDELIVERY_IGNORED = 'slack: redelivered reaction ignored';

let pipeline: PipelineUnderTest;
let harness: SlackHarness | undefined;

beforeAll(async () => {
  pipeline = await startPipelineUnderTest();
});

afterAll(async () => {
  await pipeline.close();
});

async function start(options: HarnessOptions = {}): Promise<SlackHarness> {
  harness = await startSlackHarness(pipeline, options);
  return harness;
}

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

function resultUploads(fake: FakeSlack): RecordedCall[] {
  return fake.calls.all.filter(isResultUpload);
}

async function nthResultUpload(fake: FakeSlack, n: number): Promise<RecordedCall> {
  await expect.poll(() => resultUploads(fake).length, { timeout: RESULT_TIMEOUT_MS }).toBeGreaterThanOrEqual(n);
  const call = resultUploads(fake)[n - 1];
  if (call === undefined) throw new Error(`no result upload #${n}`);
  return call;
}

function uploadedFileIds(call: RecordedCall): string[] {
  return (JSON.parse(call.args.files ?? '[]') as { id: string }[]).map((file) => file.id);
}

function pngOf(fake: FakeSlack, call: RecordedCall): Buffer {
  const bytes = fake.workspace.fileBytes(uploadedFileIds(call)[0] ?? '');
  if (bytes === undefined) throw new Error('uploaded file has no bytes');
  return Buffer.from(bytes);
}

/**
 * Checks every pixel against the oracle's colour for the request the PNG says it was made from
 * (prompt, negative prompt, CFG), and returns that request.
 */
async function expectOracleImage(png: Buffer): Promise<EmbeddedParameters> {
  const used = readEmbeddedParameters(png);
  const expected = pipeline.expectedColour(used);
  const { channels } = await sharp(png).stats();
  const seen = channels.slice(0, RGB_CHANNELS).map(({ min, max }) => ({ min, max }));
  const worst = seen.map(({ min, max }, c) => Math.max(Math.abs(min - (expected[c] ?? 0)), Math.abs(max - (expected[c] ?? 0))));
  expect(Math.max(...worst), `pixels ${JSON.stringify(seen)}, oracle ${expected.map((v) => v.toFixed(1)).join(', ')}`).toBeLessThanOrEqual(
    COLOUR_TOLERANCE,
  );
  return used;
}

/** The seed the result's caption shows the user. */
function shownSeed(upload: RecordedCall): number {
  const match = /\*Seed:\* (\d+)/.exec(upload.args.initial_comment ?? '');
  if (match === null) throw new Error('the result caption shows no seed');
  return Number(match[1]);
}

/** The result as a user would check it: the oracle's colour, and the seed in the file is the one shown. */
async function expectResult(fake: FakeSlack, upload: RecordedCall): Promise<EmbeddedParameters> {
  const used = await expectOracleImage(pngOf(fake, upload));
  expect(used.seed).toBe(shownSeed(upload));
  return used;
}

/** Waits until the adapter logged `msg` (at any level). */
async function loggedMessage(h: SlackHarness, msg: string): Promise<void> {
  await expect.poll(() => h.logs.some((entry) => entry.msg === msg), { timeout: POLL_TIMEOUT_MS }).toBe(true);
}

/** Job messages the bot posted (one per job it showed). */
function jobMessages(fake: FakeSlack): RecordedCall[] {
  return fake.calls.of('chat.postMessage').filter((c) => c.response.ok === true && c.args.channel?.startsWith('U') !== true);
}

function postedTs(fake: FakeSlack, n = 1): string {
  return String(jobMessages(fake)[n - 1]?.response.ts);
}

interface ButtonView {
  readonly action_id: string;
  readonly value?: string;
  readonly text: { readonly text: string };
}

function buttonsOn(fake: FakeSlack, channel: string, ts: string): ButtonView[] {
  const blocks = (fake.workspace.message(channel, ts)?.blocks ?? []) as { type: string; elements?: ButtonView[] }[];
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

function button(fake: FakeSlack, ts: string, label: string): ButtonView {
  const found = buttonsOn(fake, CHANNEL, ts).find((b) => b.text.text.endsWith(label));
  if (found === undefined) throw new Error(`no button ${label}`);
  return found;
}

async function imagine(h: SlackHarness, text: string, channelId = CHANNEL): Promise<{ ts: string; upload: RecordedCall }> {
  const before = resultUploads(h.fake).length;
  const posts = jobMessages(h.fake).length;
  await h.fake.sendSlashCommand({ text, channelId });
  const upload = await nthResultUpload(h.fake, before + 1);
  await h.bot.idle();
  return { ts: postedTs(h.fake, posts + 1), upload };
}

describe('/imagine in Socket Mode', () => {
  it('acks within 3 s with the queue position, edits its own message with throttled progress and previews, then uploads the PNG with its parameters and buttons', async () => {
    const h = await start();
    const ack = await h.fake.sendSlashCommand({ text: 'a fox --ar 3:2 --seed 7 --steps 20 --no blurry --cfg 5' });
    expect(ack.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/a fox[\s\S]*(Starting now|in line)/) });

    const upload = await nthResultUpload(h.fake, 1);
    await h.bot.idle();
    const ts = postedTs(h.fake);
    const posted = jobMessages(h.fake)[0];
    expect(posted?.args.channel).toBe(CHANNEL);
    expect(posted?.args.text).toContain('a fox');

    // The result: into the message's thread, captioned with prompt, seed and parameters.
    expect(upload.args).toMatchObject({ channel_id: CHANNEL, thread_ts: ts });
    expect(upload.args.initial_comment).toContain('a fox');
    expect(upload.args.initial_comment).toContain('*Seed:* 7');
    expect(upload.args.initial_comment).toContain('*Steps:* 20');
    // The file says what it was made from, and its pixels are what that request must give.
    const png = pngOf(h.fake, upload);
    expect(await expectResult(h.fake, upload)).toEqual({
      prompt: 'a fox',
      negativePrompt: 'blurry',
      guidanceScale: 5,
      seed: 7,
      steps: 20,
      size: '320x192',
    });
    expect(await sharp(png).metadata()).toMatchObject({ width: 320, height: 192 });

    // Progress: edits of that one message, at least the interval apart; the last edit is the result.
    const edits = h.fake.calls.of('chat.update').filter((c) => c.args.ts === ts && c.status === 200);
    const progress = edits.slice(0, -1);
    expect(progress.some((c) => (c.args.blocks ?? '').includes('Step '))).toBe(true);
    const starts = [posted?.at ?? 0, ...progress.map((c) => c.at)];
    for (let i = 1; i < starts.length; i += 1) {
      expect((starts[i] ?? 0) - (starts[i - 1] ?? 0)).toBeGreaterThanOrEqual(TEST_EDIT_INTERVAL_MS - TIMING_SLACK_MS);
    }
    expect(progress.length).toBeLessThan(20);

    // Previews went into the thread and were cleaned up: only the result remains there.
    const previews = h.fake.calls.of('files.completeUploadExternal').filter((c) => c.args.initial_comment === undefined);
    expect(previews.length).toBeGreaterThan(0);
    expect(previews.every((c) => c.args.thread_ts === ts)).toBe(true);
    expect(h.fake.workspace.messagesIn(CHANNEL, ts).map((m) => m.text)).toEqual([upload.args.initial_comment]);

    const final = h.fake.workspace.message(CHANNEL, ts);
    expect(final?.text).toContain('a fox');
    expect(buttonsOn(h.fake, CHANNEL, ts).map((b) => b.text.text)).toEqual([
      'U1', '🔄 Re-roll', 'V1', '❌ Delete', '🖌️ Remix', 'Vary (Region)', 'Zoom Out 2×', 'Zoom Out 1.5×', '⬅️ Left', '➡️ Right', '⬆️ Up', '⬇️ Down',
    ]);
    // A 🔁 is already on the result, so re-rolling is one click.
    expect(final?.reactions).toEqual([{ name: 'repeat', users: [h.fake.botUserId] }]);
    expect(h.fake.calls.of('response_url')).toHaveLength(0);
    expect(h.errors()).toEqual([]);
  });

  it('tells a second user their place in line, then moves their message from the queue to progress and the result', async () => {
    const h = await start();
    await h.fake.sendSlashCommand({ text: 'a long fox --steps 20' });
    // Long enough to run past one edit interval, so its progress is due an edit of its own.
    const second = await h.fake.sendSlashCommand({ text: 'a queued owl --steps 20', userId: 'U0BOB' });
    expect(second.payload?.text).toMatch(/a queued owl[\s\S]*1st in line/);

    const upload = await nthResultUpload(h.fake, 2);
    await h.bot.idle();
    expect(upload.args.initial_comment).toContain('a queued owl');
    await expectResult(h.fake, upload);
    const bobTs = postedTs(h.fake, 2);
    expect(jobMessages(h.fake)[1]?.args.blocks).toContain('1st in line');
    // While it waited and ran, Bob's message moved on from its place in line before the result replaced it.
    const progress = h.fake.calls.of('chat.update').filter((c) => c.args.ts === bobTs && c.status === 200).slice(0, -1);
    expect(progress.some((c) => /Starting now|Step /.test(c.args.blocks ?? ''))).toBe(true);
  });

  it('refuses a bad flag in the ack, names it, and posts nothing in the channel', async () => {
    const h = await start();
    const ack = await h.fake.sendSlashCommand({ text: 'a fox --bogus 3' });
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('--bogus') });
    // A job would have its message under way by the time of the ack; idle() waits for any.
    await h.bot.idle();
    expect(jobMessages(h.fake)).toHaveLength(0);
  });

  it.each(['help', ''])('shows help for "/imagine %s"', async (text) => {
    const h = await start();
    const ack = await h.fake.sendSlashCommand({ text });
    expect(ack.payload?.text).toContain('How to use /imagine');
    expect(ack.payload?.text).toContain('--ar');
    await h.bot.idle();
    expect(jobMessages(h.fake)).toHaveLength(0);
  });

  it('refuses a user over their limit with the wait, and keeps serving others', async () => {
    const h = await start({ limits: { perUser: { capacity: 1, windowMs: 60_000 } } });
    await imagine(h, 'first fox');
    const refused = await h.fake.sendSlashCommand({ text: 'second fox' });
    expect(refused.payload?.text).toMatch(/You can make 1 image per 1 min\. Try again in (1 min|\d+ s)\./);
    const other = await h.fake.sendSlashCommand({ text: 'bob fox', userId: 'U0BOB' });
    expect(other.payload?.text).toContain('bob fox');
    await expectResult(h.fake, await nthResultUpload(h.fake, 2));
    await h.bot.idle();
    expect(jobMessages(h.fake).map((c) => c.args.text)).toEqual([expect.stringContaining('first fox'), expect.stringContaining('bob fox')]);
  });

  it('drops a rate-limited progress edit, waits out Retry-After before the next, and still delivers', async () => {
    const h = await start();
    h.fake.failNext('chat.update', { retryAfterSec: RETRY_AFTER_SEC });
    // The most steps the model allows: the job outlasts the Retry-After by a good margin.
    const { ts, upload } = await imagine(h, 'a slow fox --steps 50');
    const updates = h.fake.calls.of('chat.update').filter((c) => c.args.ts === ts);
    const limitedAt = updates.findIndex((c) => c.status === 429);
    expect(limitedAt).toBeGreaterThanOrEqual(0);
    // The refused edit was not retried by the client; the next progress edit waited the second out.
    const progressAfter = updates.slice(limitedAt + 1, -1);
    expect(progressAfter.length).toBeGreaterThan(0);
    for (const edit of progressAfter) {
      expect(edit.at - (updates[limitedAt]?.at ?? 0)).toBeGreaterThanOrEqual(RETRY_AFTER_SEC * MS_PER_SECOND - TIMING_SLACK_MS);
    }
    expect(buttonsOn(h.fake, CHANNEL, ts)).toHaveLength(12);
    await expectResult(h.fake, upload);
  });

  it.each([
    { where: 'a public channel the bot has not joined', channelId: 'C0RANDOM', channelName: 'random', says: 'not a member of #random' },
    { where: 'a private channel without the bot', channelId: 'G0SECRET', channelName: 'secret', says: 'private channel' },
    { where: 'a DM between other people', channelId: 'D0OTHERS', channelName: 'directmessage', says: 'direct message between other people' },
  ])('explains how to invite the bot when used in $where', async ({ channelId, channelName, says }) => {
    const h = await start();
    const ack = await h.fake.sendSlashCommand({ text: 'a fox', channelId, channelName });
    expect(ack.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect(ack.payload?.text).toContain(says);
    expect(ack.payload?.text).toContain(`<@${h.fake.botUserId}>`);
    await h.bot.idle();
    expect(jobMessages(h.fake)).toHaveLength(0);
  });

  it('acks in time with a holding reply when Slack is slow to answer, then tells the user their place privately', async () => {
    const h = await start({ ackBudgetMs: 200 });
    h.fake.failNext('conversations.info', { delayMs: 600 });
    const ack = await h.fake.sendSlashCommand({ text: 'a patient fox' });
    expect(ack.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect(ack.payload?.text).toBe(HOLDING_REPLY);
    const ephemeral = await h.fake.waitForCall((c) => c.method === 'chat.postEphemeral');
    expect(ephemeral.args).toMatchObject({ channel: CHANNEL, user: 'U0ALICE', text: expect.stringContaining('a patient fox') });
    await expectResult(h.fake, await nthResultUpload(h.fake, 1));
  });

  it('cancels the job and says how to invite the bot when Slack refuses its message after all', async () => {
    const h = await start();
    h.fake.failNext('chat.postMessage', { error: 'not_in_channel' }, { when: (args) => args.channel === CHANNEL });
    await h.fake.sendSlashCommand({ text: 'a fox --steps 30' });
    const told = await h.fake.waitForCall((c) => c.method === 'chat.postEphemeral');
    expect(told.args.text).toContain(`/invite <@${h.fake.botUserId}>`);
    // The worker really stops: the job ends cancelled, not with a result nobody can see.
    await loggedMessage(h, CANCELLING);
    await loggedMessage(h, JOB_MESSAGE_GONE);
    const jobId = String(h.logs.find((entry) => entry.msg === JOB_MESSAGE_GONE)?.jobId);
    await expect.poll(async () => (await h.services.commands.jobs.get(jobId))?.status, { timeout: RESULT_TIMEOUT_MS }).toBe('cancelled');
    await h.bot.idle();
    expect(resultUploads(h.fake)).toHaveLength(0);
  });

  it('works in the DM with the bot itself', async () => {
    const h = await start();
    const { upload } = await imagine(h, 'a private fox', 'D0BOTDM');
    expect(upload.args.channel_id).toBe('D0BOTDM');
    await expectResult(h.fake, upload);
  });

  it('answers under a configured command name and posts results in the channel when threads are off', async () => {
    const h = await start({ command: '/dream', resultsInThread: false });
    await h.fake.sendSlashCommand({ text: 'a fox', command: '/dream' });
    const upload = await nthResultUpload(h.fake, 1);
    expect(upload.args.channel_id).toBe(CHANNEL);
    expect(upload.args.thread_ts).toBeUndefined();
  });
});

describe('re-roll by reaction', () => {
  it('re-runs a result with a new seed on :repeat:, once even when Slack redelivers the event', async () => {
    const h = await start();
    const { ts, upload } = await imagine(h, 'a cat --seed 11');
    expect(await expectResult(h.fake, upload)).toMatchObject({ prompt: 'a cat', seed: 11 });

    const first = await h.fake.sendReaction({ channel: CHANNEL, ts, reaction: 'repeat', userId: 'U0BOB' });
    await h.fake.sendReaction(
      { channel: CHANNEL, ts, reaction: 'repeat', userId: 'U0BOB' },
      { eventId: first.eventId, retryAttempt: 1, retryReason: 'timeout' },
    );
    const reroll = await nthResultUpload(h.fake, 2);
    await loggedMessage(h, REDELIVERY_IGNORED);
    await h.bot.idle();

    expect(jobMessages(h.fake)).toHaveLength(2);
    // Same request, new seed: the file and the caption agree on it, and the image is still right.
    const rerolled = await expectResult(h.fake, reroll);
    expect(rerolled).toMatchObject({ prompt: 'a cat', negativePrompt: '', steps: 8 });
    expect(rerolled.seed).not.toBe(11);
    const rerollMessage = h.fake.workspace.message(CHANNEL, postedTs(h.fake, 2));
    expect(JSON.stringify(rerollMessage?.blocks)).toContain('requested by <@U0BOB>');
    const record = await h.services.commands.jobs.findByMessage({ platform: 'slack', channelId: CHANNEL, messageId: postedTs(h.fake, 2) });
    expect(record?.request).toMatchObject({ prompt: 'a cat', origin: 'reroll' });
  });

  it.each([
    { name: 'the bot’s own :repeat:', reaction: 'repeat', userId: 'U0BOT' },
    { name: 'an unrelated emoji', reaction: 'thumbsup', userId: 'U0BOB' },
  ])('ignores $name', async ({ reaction, userId }) => {
    const h = await start();
    const { ts } = await imagine(h, 'a cat');
    await h.fake.sendReaction({ channel: CHANNEL, ts, reaction, userId });
    // The reaction above arrived first and needs no more work than the first step of this one:
    // once Carol's re-roll has its result, it has been handled too.
    await h.fake.sendReaction({ channel: CHANNEL, ts, reaction: 'repeat', userId: 'U0CAROL' });
    await nthResultUpload(h.fake, 2);
    await h.bot.idle();
    expect(jobMessages(h.fake)).toHaveLength(2);
    expect(JSON.stringify(h.fake.workspace.message(CHANNEL, postedTs(h.fake, 2))?.blocks)).toContain('requested by <@U0CAROL>');
  });

  it('accepts :arrows_counterclockwise: on the uploaded file message too', async () => {
    const h = await start();
    const { ts } = await imagine(h, 'a heron');
    const [fileMessage] = h.fake.workspace.messagesIn(CHANNEL, ts);
    await h.fake.sendReaction({ channel: CHANNEL, ts: fileMessage?.ts ?? '', reaction: 'arrows_counterclockwise', userId: 'U0BOB' });
    await nthResultUpload(h.fake, 2);
    expect(jobMessages(h.fake)[1]?.args.text).toContain('a heron');
  });

  it('still works after the bot restarts, from the stored job records', async () => {
    const h = await start();
    const { ts } = await imagine(h, 'an owl --seed 5');
    const restarted = await h.restart();
    harness = restarted;
    await restarted.fake.sendReaction({ channel: CHANNEL, ts, reaction: 'repeat', userId: 'U0BOB' });
    const reroll = await nthResultUpload(restarted.fake, 2);
    expect(reroll.args.initial_comment).toContain('an owl');
    const rerolled = await expectResult(restarted.fake, reroll);
    expect(rerolled).toMatchObject({ prompt: 'an owl' });
    expect(rerolled.seed).not.toBe(5);
  });
});

describe('result buttons', () => {
  it('Re-roll and V1 start new jobs; Delete is refused to others and removes the result for its owner', async () => {
    const h = await start();
    const { ts, upload } = await imagine(h, 'a lighthouse --seed 3');

    const pressed = await h.fake.sendBlockAction({ channel: CHANNEL, ts, actionId: button(h.fake, ts, 'Re-roll').action_id, userId: 'U0BOB' });
    expect(pressed.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const rerolled = await expectResult(h.fake, await nthResultUpload(h.fake, 2));
    expect(rerolled).toMatchObject({ prompt: 'a lighthouse' });
    expect(rerolled.seed).not.toBe(3);
    await h.fake.sendBlockAction({ channel: CHANNEL, ts, actionId: button(h.fake, ts, 'V1').action_id });
    // A variation starts from the first image, and the oracle still pulls it to the prompt's colour.
    expect(await expectResult(h.fake, await nthResultUpload(h.fake, 3))).toMatchObject({ prompt: 'a lighthouse' });
    await h.bot.idle();
    const origins = await Promise.all(
      [1, 2, 3].map(async (n) => (await h.services.commands.jobs.findByMessage({ platform: 'slack', channelId: CHANNEL, messageId: postedTs(h.fake, n) }))?.request.origin),
    );
    expect(origins).toEqual(['imagine', 'reroll', 'variation']);

    const remove = button(h.fake, ts, 'Delete');
    await h.fake.sendBlockAction({ channel: CHANNEL, ts, actionId: remove.action_id, value: remove.value ?? '', userId: 'U0BOB' });
    await expect.poll(() => h.fake.workspace.ephemerals.map((e) => e.user), { timeout: POLL_TIMEOUT_MS }).toContain('U0BOB');
    expect(h.fake.workspace.message(CHANNEL, ts)).toBeDefined();

    await h.fake.sendBlockAction({ channel: CHANNEL, ts, actionId: remove.action_id, value: remove.value ?? '' });
    await expect.poll(() => h.fake.workspace.message(CHANNEL, ts), { timeout: POLL_TIMEOUT_MS }).toBeUndefined();
    const fileId = uploadedFileIds(upload)[0] ?? '';
    expect(h.fake.workspace.files.has(fileId)).toBe(false);
    expect(h.fake.workspace.messagesIn(CHANNEL, ts)).toEqual([]);
  });
});

describe('workspace defaults', () => {
  const SERVER_SCOPE = 'slack:server:T0FAKE' as const;
  const settingsText = async (h: SlackHarness, userId: string, text: string): Promise<string> =>
    String((await h.fake.sendSlashCommand({ text, userId })).payload?.text ?? '');

  it('a workspace admin (per users.info) lowers the steps, and Re-roll on an older result follows; a plain member is refused', async () => {
    const h = await start();
    h.fake.addUser({ id: 'U0DANA', name: 'dana', isAdmin: true });
    const { ts } = await imagine(h, 'a lighthouse --steps 6');

    expect(await settingsText(h, 'U0ALICE', 'settings server --max-steps 3')).toBe(
      'Only workspace admins and owners, or the bot admins, can change the defaults of this workspace and its channels.',
    );
    expect(await settingsText(h, 'U0DANA', 'settings server --max-steps 3')).toContain('Saved');
    expect(h.fake.calls.of('users.info').map((call) => call.args.user)).toEqual(['U0ALICE', 'U0DANA']);

    await h.fake.sendBlockAction({ channel: CHANNEL, ts, actionId: button(h.fake, ts, 'Re-roll').action_id });
    const rerolled = await nthResultUpload(h.fake, 2);
    expect((await expectResult(h.fake, rerolled)).steps).toBe(3);
    expect(rerolled.args.initial_comment).toContain('Steps lowered from 6 to 3, the most allowed here.');
  });

  it('refuses an owner while users.info fails (fail closed), and lets them through once Slack answers', async () => {
    const h = await start();
    h.fake.addUser({ id: 'U0OWEN', name: 'owen', isOwner: true });
    h.fake.failNext('users.info', { error: 'internal_error' });
    expect(await settingsText(h, 'U0OWEN', 'settings server --max-steps 5')).toContain("I couldn't check with Slack whether you're a workspace admin");
    expect((await h.services.commands.scopes?.get(SERVER_SCOPE))?.maxSteps).toBeUndefined();
    expect(await settingsText(h, 'U0OWEN', 'settings server --max-steps 5')).toContain('Saved');
    expect((await h.services.commands.scopes?.get(SERVER_SCOPE))?.maxSteps).toBe(5);
  });
});

describe('HTTP mode', () => {
  it('runs a correctly signed /imagine and answers the ack in the HTTP response', async () => {
    const h = await start({ mode: 'http' });
    const response = await deliverOverHttp(h.httpUrl ?? '', 'slash_commands', h.fake.slashCommandPayload({ text: 'a signed fox --seed 9' }), {
      signingSecret: SIGNING_SECRET,
    });
    expect(response.status).toBe(200);
    expect(response.ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect(JSON.parse(response.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('a signed fox') });
    const upload = await nthResultUpload(h.fake, 1);
    expect(await expectResult(h.fake, upload)).toMatchObject({ prompt: 'a signed fox', seed: 9 });
  });

  it.each([
    { name: 'a bad signature', options: { signature: 'v0=deadbeef' } },
    { name: 'a stale timestamp', options: { timestampSec: Math.floor(Date.now() / MS_PER_SECOND) - 600 } },
  ])('rejects $name and runs nothing', async ({ options }) => {
    const h = await start({ mode: 'http' });
    const response = await deliverOverHttp(h.httpUrl ?? '', 'slash_commands', h.fake.slashCommandPayload({ text: 'a forged fox' }), {
      signingSecret: SIGNING_SECRET,
      ...options,
    });
    expect(response.status).toBe(401);
    await h.bot.idle();
    expect(jobMessages(h.fake)).toHaveLength(0);
  });

  it('deduplicates a reaction Slack retries with X-Slack-Retry-Num', async () => {
    const h = await start({ mode: 'http' });
    const url = h.httpUrl ?? '';
    await deliverOverHttp(url, 'slash_commands', h.fake.slashCommandPayload({ text: 'a crane' }), { signingSecret: SIGNING_SECRET });
    await nthResultUpload(h.fake, 1);
    await h.bot.idle();
    const event = h.fake.eventPayload({
      type: 'reaction_added',
      user: 'U0BOB',
      reaction: 'repeat',
      item: { type: 'message', channel: CHANNEL, ts: postedTs(h.fake) },
      event_ts: '1.000001',
    });
    const first = await deliverOverHttp(url, 'events_api', event, { signingSecret: SIGNING_SECRET });
    const retry = await deliverOverHttp(url, 'events_api', event, { signingSecret: SIGNING_SECRET, retryNum: 1, retryReason: 'http_timeout' });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await nthResultUpload(h.fake, 2);
    await loggedMessage(h, REDELIVERY_IGNORED);
    await h.bot.idle();
    expect(jobMessages(h.fake)).toHaveLength(2);
  });
});
