// Proves the fake against the real SDKs: a Bolt app in Socket Mode and in HTTP mode talks to it
// exactly as it would talk to Slack.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi } from '@slack/bolt';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from './fake-slack.js';
import { deliverOverHttp } from './http-delivery.js';

const SLACK_ACK_DEADLINE_MS = 3000;
const SECONDS_PER_STALE_REQUEST = 10 * 60;
const MS_PER_SECOND = 1000;

function tinyPng(): Promise<Buffer> {
  return sharp({ create: { width: 4, height: 2, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .png()
    .toBuffer();
}

describe('fake Slack with a real Bolt app in Socket Mode', () => {
  let fake: FakeSlack;
  let app: App;
  let png: Buffer;
  const retryNums: (number | undefined)[] = [];
  const pressed: string[] = [];

  beforeAll(async () => {
    png = await tinyPng();
    fake = await FakeSlack.start();
    app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl },
    });
    app.command('/imagine', async ({ ack, command, client }) => {
      await ack({ response_type: 'ephemeral', text: `Queued: ${command.text}` });
      const posted = await client.chat.postMessage({ channel: command.channel_id, text: 'Working…' });
      await client.files.uploadV2({
        channel_id: command.channel_id,
        thread_ts: posted.ts ?? '',
        file: png,
        filename: 'result.png',
        initial_comment: `Done: ${command.text}`,
      });
    });
    app.event('reaction_added', async ({ context }) => {
      retryNums.push(context.retryNum);
    });
    app.action('reroll', async ({ ack, action }) => {
      await ack();
      pressed.push('value' in action ? String(action.value) : '');
    });
    await app.start();
    await fake.waitForConnection();
  });

  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('opens the socket through apps.connections.open on the fake, with the app-level token', () => {
    const opens = fake.calls.of('apps.connections.open');
    expect(opens.length).toBeGreaterThan(0);
    expect(opens[0]?.token).toBe(fake.appToken);
    expect(fake.socketConnections).toBe(1);
  });

  it('delivers a slash command, records the ack with its reply, the message and the uploaded PNG bytes', async () => {
    const ack = await fake.sendSlashCommand({ text: 'a fox' });
    expect(ack.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect(ack.payload).toMatchObject({ text: 'Queued: a fox' });

    const complete = await fake.waitForCall((c) => c.method === 'files.completeUploadExternal');
    expect(complete.response).toMatchObject({ ok: true });

    const posted = fake.calls.of('chat.postMessage')[0];
    expect(posted?.args).toMatchObject({ channel: 'C0GENERAL', text: 'Working…' });
    expect(posted?.token).toBe(fake.botToken);

    const upload = fake.calls.of('upload')[0];
    expect(Buffer.from(upload?.file ?? new Uint8Array())).toEqual(png);

    const threadTs = String((posted?.response as { ts?: string } | undefined)?.ts);
    const [reply] = fake.workspace.messagesIn('C0GENERAL', threadTs);
    expect(reply?.text).toBe('Done: a fox');
    const fileId = reply?.fileIds[0] ?? '';
    expect(Buffer.from(fake.workspace.fileBytes(fileId) ?? new Uint8Array())).toEqual(png);
    expect(fake.calls.of('response_url')).toHaveLength(0);
  });

  it('marks a redelivered event with its retry attempt, as Slack does', async () => {
    const first = await fake.sendReaction({ channel: 'C0GENERAL', ts: '1.000001' });
    await fake.sendReaction({ channel: 'C0GENERAL', ts: '1.000001' }, { eventId: first.eventId, retryAttempt: 1, retryReason: 'timeout' });
    await expect.poll(() => retryNums).toEqual([0, 1]);
  });

  it('delivers a button press and records its ack', async () => {
    const message = fake.workspace.postBotMessage({ channel: 'C0GENERAL', text: 'result', blocks: [] });
    const ack = await fake.sendBlockAction({ channel: 'C0GENERAL', ts: message.ts, actionId: 'reroll', value: 'job-1' });
    expect(ack.type).toBe('interactive');
    expect(pressed).toEqual(['job-1']);
  });
});

describe('fake Slack Web API answers like Slack', () => {
  let fake: FakeSlack;

  beforeAll(async () => {
    fake = await FakeSlack.start({
      channels: [
        { id: 'C0OUTSIDE', name: 'random', kind: 'public', botIsMember: false },
        { id: 'G0SECRET', name: 'secret', kind: 'private', botIsMember: false },
        { id: 'D0OTHER', name: 'dm', kind: 'im', botIsMember: false },
      ],
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  const client = (options: { rejectRateLimitedCalls?: boolean } = {}): webApi.WebClient =>
    new webApi.WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      logLevel: webApi.LogLevel.ERROR,
      retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 },
      ...options,
    });

  it.each([
    { channel: 'C0OUTSIDE', error: 'not_in_channel' },
    { channel: 'G0SECRET', error: 'channel_not_found' },
    { channel: 'D0OTHER', error: 'channel_not_found' },
    { channel: 'C0NOWHERE', error: 'channel_not_found' },
  ])('refuses to post in $channel with $error', async ({ channel, error }) => {
    await expect(client().chat.postMessage({ channel, text: 'hi' })).rejects.toMatchObject({ data: { error } });
  });

  it('injects a configured error once, then behaves again', async () => {
    fake.failNext('chat.postMessage', { error: 'not_in_channel' }, { when: (args) => args.channel === 'C0GENERAL' });
    await expect(client().chat.postMessage({ channel: 'C0GENERAL', text: 'a' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    await expect(client().chat.postMessage({ channel: 'C0GENERAL', text: 'b' })).resolves.toMatchObject({ ok: true });
  });

  it('rate-limits with Retry-After: a rejectRateLimitedCalls client gives up, a default one waits and retries', async () => {
    const posted = await client().chat.postMessage({ channel: 'C0GENERAL', text: 'progress' });
    const ts = posted.ts ?? '';

    fake.failNext('chat.update', { retryAfterSec: 1 });
    await expect(client({ rejectRateLimitedCalls: true }).chat.update({ channel: 'C0GENERAL', ts, text: 'x' })).rejects.toMatchObject({
      code: webApi.ErrorCode.RateLimitedError,
      retryAfter: 1,
    });

    fake.failNext('chat.update', { retryAfterSec: 1 });
    const started = performance.now();
    await client().chat.update({ channel: 'C0GENERAL', ts, text: 'step 2/20' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(MS_PER_SECOND - 50);
    expect(fake.workspace.message('C0GENERAL', ts)?.text).toBe('step 2/20');
    const statuses = fake.calls.of('chat.update').map((c) => c.status);
    expect(statuses).toEqual([429, 429, 200]);
  });

  it('stores bytes POSTed raw to the upload URL and shares the file on completion', async () => {
    const bytes = await tinyPng();
    const url = await client().files.getUploadURLExternal({ filename: 'raw.png', length: bytes.length });
    const posted = await fetch(url.upload_url ?? '', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes });
    expect(posted.status).toBe(200);
    const done = await client().files.completeUploadExternal({ files: [{ id: url.file_id ?? '' }], channel_id: 'C0GENERAL' });
    expect(done.files?.[0]?.id).toBe(url.file_id);
    expect(Buffer.from(fake.workspace.fileBytes(url.file_id ?? '') ?? new Uint8Array())).toEqual(bytes);
    expect(fake.workspace.messagesIn('C0GENERAL').at(-1)?.fileIds).toEqual([url.file_id]);
  });

  it('lists the bot\'s shared images in a channel since a time, and files.info says which thread shares them', async () => {
    const bytes = await tinyPng();
    const parent = await client().chat.postMessage({ channel: 'C0GENERAL', text: 'a job' });
    const since = String(Math.floor(Number(parent.ts) - 1));
    const shared = await client().files.uploadV2({ channel_id: 'C0GENERAL', thread_ts: parent.ts ?? '', file: bytes, filename: 'in-thread.png' });
    const sharedId = (shared as { files?: { files?: { id?: string }[] }[] }).files?.[0]?.files?.[0]?.id ?? '';
    const unshared = await client().files.getUploadURLExternal({ filename: 'unshared.png', length: bytes.length });
    await fetch(unshared.upload_url ?? '', { method: 'POST', body: bytes });

    const listed = await client().files.list({ channel: 'C0GENERAL', user: fake.botUserId, ts_from: since, types: 'images' });
    const names = listed.files?.map((file) => file.name);
    expect(names).toContain('in-thread.png');
    expect(names).not.toContain('unshared.png');
    expect((await client().files.list({ channel: 'C0GENERAL', user: 'U0ALICE', ts_from: since })).files).toEqual([]);
    expect((await client().files.list({ channel: 'C0GENERAL', ts_from: String(Math.floor(Number(parent.ts)) + 60) })).files).toEqual([]);

    const info = await client().files.info({ file: sharedId });
    const share = info.file?.shares?.public?.['C0GENERAL']?.[0];
    expect(share?.thread_ts).toBe(parent.ts);
  });

  it('refuses to complete an upload whose bytes never arrived', async () => {
    const url = await client().files.getUploadURLExternal({ filename: 'lost.png', length: 10 });
    await expect(client().files.completeUploadExternal({ files: [{ id: url.file_id ?? '' }] })).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    });
  });

  it('answers users.info with the person\'s workspace role, and user_not_found for someone unknown', async () => {
    fake.addUser({ id: 'U0DANA', name: 'dana', isAdmin: true });
    fake.addUser({ id: 'U0OWEN', name: 'owen', isOwner: true, isPrimaryOwner: true });
    const dana = await client().users.info({ user: 'U0DANA' });
    expect(dana.user).toMatchObject({ id: 'U0DANA', team_id: fake.teamId, name: 'dana', is_admin: true, is_owner: false, is_bot: false, deleted: false });
    expect((await client().users.info({ user: 'U0OWEN' })).user).toMatchObject({ is_admin: false, is_owner: true, is_primary_owner: true });
    expect((await client().users.info({ user: 'U0ALICE' })).user).toMatchObject({ name: 'alice', is_admin: false, is_owner: false });
    expect((await client().users.info({ user: fake.botUserId })).user).toMatchObject({ is_bot: true });
    await expect(client().users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
  });

  it('rejects a bot call made with the wrong token', async () => {
    const stranger = new webApi.WebClient('xoxb-someone-else', { slackApiUrl: fake.apiUrl, logLevel: webApi.LogLevel.ERROR });
    await expect(stranger.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });
});

describe('Bolt in HTTP mode against signed requests', () => {
  const signingSecret = 'test-signing-secret';
  let fake: FakeSlack;
  let app: App;
  let url: string;
  const commands: string[] = [];

  beforeAll(async () => {
    fake = await FakeSlack.start();
    app = new App({
      token: fake.botToken,
      signingSecret,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl },
    });
    app.command('/imagine', async ({ ack, command }) => {
      commands.push(command.text);
      await ack({ text: `Queued: ${command.text}` });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('accepts a correctly signed slash command and answers with the ack body', async () => {
    const result = await deliverOverHttp(url, 'slash_commands', fake.slashCommandPayload({ text: 'signed fox' }), { signingSecret });
    expect(result.status).toBe(200);
    expect(result.ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    expect(JSON.parse(result.body)).toMatchObject({ text: 'Queued: signed fox' });
    expect(commands).toContain('signed fox');
  });

  it.each([
    { name: 'a wrong signature', options: { signature: 'v0=0000' }, text: 'forged' },
    { name: 'another secret', options: { signingSecret: 'not-the-secret' }, text: 'other secret' },
    {
      name: 'a stale timestamp',
      options: { timestampSec: Math.floor(Date.now() / MS_PER_SECOND) - SECONDS_PER_STALE_REQUEST },
      text: 'replayed',
    },
  ])('rejects $name with 401 and never runs the command', async ({ options, text }) => {
    const result = await deliverOverHttp(url, 'slash_commands', fake.slashCommandPayload({ text }), { signingSecret, ...options });
    expect(result.status).toBe(401);
    expect(commands).not.toContain(text);
  });
});
