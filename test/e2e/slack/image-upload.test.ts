// A picture of the user's own on Slack, end to end on the real Bolt app, the fake Slack and the
// real worker with an oracle model: the "Edit with imagine" message shortcut on an uploaded picture
// and mask (or on one of the bot's results), and `/imagine edit` with the modal's file inputs. The
// oracle paints the mask's white half in the prompt's colour and keeps the upload's colour under the
// black half. Files are read with the bot token from Slack's file host only; too large, non-image
// and off-host files are refused by name, and no form opens where the job could not be posted.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../fake-slack/call-log.js';
import { DEFAULT_USER_ID } from '../fake-slack/payloads.js';
import { colourDistance, flatPng, leftHalfMaskPng, meanColour } from '../support/edit-pictures.js';
import type { Rgb } from '../support/oracle-pipeline.js';
import { readEmbeddedParameters } from './embedded-parameters.js';
import { startPipelineUnderTest, type PipelineUnderTest } from './pipeline-under-test.js';
import { startSlackHarness, type SlackHarness, isResultUpload } from './slack-harness.js';

const CHANNEL = 'C0GENERAL';
const SLACK_ACK_DEADLINE_MS = 3000;
const RESULT_TIMEOUT_MS = 60_000;
const POLL_TIMEOUT_MS = 10_000;
/** The harness's 1:1 size: an upload of this size comes back at this size. */
const SIDE = 256;
const GREEN: Rgb = [12, 200, 34];
/** Mask blur and the 8× latent grid soften the seam; samples keep well away from it. */
const MARGIN = 40;
/** A mean over a box of repainted flat colour, after the VAE decode; the kept half is the upload exactly. */
const AREA_TOLERANCE = 4;
const MIB = 1024 * 1024;
/** Past the default init-image limit of 10 MiB. */
const TOO_MANY_BYTES = 11 * MIB;

let pipeline: PipelineUnderTest;
let h: SlackHarness;

beforeAll(async () => {
  pipeline = await startPipelineUnderTest();
  h = await startSlackHarness(pipeline);
}, 60_000);

afterAll(async () => {
  await h.stop();
  await pipeline.close();
});

function resultCount(): number {
  return h.fake.calls.all.filter(isResultUpload).length;
}

async function nthResultPng(n: number): Promise<Buffer> {
  await expect.poll(resultCount, { timeout: RESULT_TIMEOUT_MS }).toBeGreaterThanOrEqual(n);
  await h.bot.idle();
  const upload = h.fake.calls.all.filter(isResultUpload)[n - 1];
  const id = (JSON.parse(upload?.args.files ?? '[]') as { id: string }[])[0]?.id ?? '';
  const bytes = h.fake.workspace.fileBytes(id);
  if (bytes === undefined) throw new Error('uploaded file has no bytes');
  return Buffer.from(bytes);
}

interface OpenedView {
  readonly id: string;
  readonly callback_id: string;
  readonly blocks: { type: string; block_id?: string; text?: { text: string }; element?: { type: string; action_id: string; initial_value?: string } }[];
}

/** The modal opened after `before` earlier ones. */
async function nthOpenedView(before: number): Promise<OpenedView> {
  await expect.poll(() => h.fake.calls.of('views.open').length, { timeout: POLL_TIMEOUT_MS }).toBeGreaterThan(before);
  const opened = h.fake.calls.of('views.open')[before];
  expect(opened?.response.ok).toBe(true);
  return opened?.response.view as OpenedView;
}

function upload(filename: string, mimetype: string, bytes: Uint8Array): string {
  return h.fake.workspace.addUserFile({ user: DEFAULT_USER_ID, filename, mimetype, bytes }).id;
}

/** `/imagine edit …`: the modal with file inputs. */
async function openUploadForm(text = 'edit a red barn'): Promise<OpenedView> {
  const before = h.fake.calls.of('views.open').length;
  const ack = await h.fake.sendSlashCommand({ text, channelId: CHANNEL });
  expect(ack.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
  return nthOpenedView(before);
}

async function privateAnswer(before: number): Promise<string> {
  await expect.poll(() => h.fake.workspace.ephemerals.length, { timeout: POLL_TIMEOUT_MS }).toBeGreaterThan(before);
  const answer = h.fake.workspace.ephemerals[before];
  expect(answer?.user).toBe(DEFAULT_USER_ID);
  return answer?.text ?? '';
}

/** The left (white in the mask) half in the prompt's colour, the right half the upload's green. */
async function expectHalfRepainted(png: Buffer): Promise<void> {
  const half = SIDE / 2;
  const box = { top: MARGIN, width: half - MARGIN, height: SIDE - 2 * MARGIN };
  const left = await meanColour(png, { ...box, left: MARGIN / 2 });
  const right = await meanColour(png, { ...box, left: half + MARGIN / 2 });
  expect(colourDistance(left, pipeline.expectedColour(readEmbeddedParameters(png)))).toBeLessThanOrEqual(AREA_TOLERANCE);
  expect(right).toEqual(GREEN);
}

describe('editing a picture of your own on Slack', () => {
  it('"Edit with imagine" on a message with a picture and mask.png opens a modal, then repaints the white half and keeps the rest', async () => {
    const image = upload('barn.png', 'image/png', await flatPng(SIDE, SIDE, GREEN));
    const mask = upload('mask.png', 'image/png', await leftHalfMaskPng(SIDE, SIDE));
    const message = h.fake.workspace.postUserMessage(CHANNEL, DEFAULT_USER_ID, 'a red barn', [image, mask]);
    const before = h.fake.calls.of('views.open').length;
    const downloadsBefore = h.fake.calls.of('file_download').length;
    const n = resultCount() + 1;

    const ack = await h.fake.sendMessageShortcut({ callbackId: 'edit_image', channel: CHANNEL, ts: message.ts });
    expect(ack.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const view = await nthOpenedView(before);
    expect(view.blocks.find((block) => block.type === 'section')?.text?.text).toBe('Editing `barn.png`; `mask.png` says where to repaint.');
    expect(view.blocks.find((block) => block.block_id === 'prompt')?.element?.initial_value).toBe('a red barn');

    await h.fake.submitView({ viewId: view.id, values: { prompt: 'a red barn at dusk' } });
    const png = await nthResultPng(n);
    expect(readEmbeddedParameters(png)).toMatchObject({ prompt: 'a red barn at dusk', size: `${SIDE}x${SIDE}` });
    await expectHalfRepainted(png);
    // Both files were looked up and read with the bot token.
    const downloads = h.fake.calls.of('file_download').slice(downloadsBefore);
    expect(downloads.map((call) => [call.status, call.token])).toEqual([
      [200, h.fake.botToken],
      [200, h.fake.botToken],
    ]);
    expect(h.fake.calls.of('files.info').length).toBeGreaterThanOrEqual(2);
  });

  it('/imagine edit opens a modal with file inputs for the image and the mask; the uploads run as an edit in the channel', async () => {
    const view = await openUploadForm('edit a blue pond');
    expect(view.callback_id).toBe('imagine_edit');
    const inputs = view.blocks.filter((block) => block.element?.type === 'file_input').map((block) => block.element?.action_id);
    expect(inputs).toEqual(['image', 'mask']);
    expect(view.blocks.find((block) => block.block_id === 'prompt')?.element?.initial_value).toBe('a blue pond');

    // Named by the inputs they came through, so the mask needs no "mask" in its name.
    const image = upload('photo.png', 'image/png', await flatPng(SIDE, SIDE, GREEN));
    const mask = upload('left.png', 'image/png', await leftHalfMaskPng(SIDE, SIDE));
    const n = resultCount() + 1;
    const submitted = await h.fake.submitView({ viewId: view.id, files: { image: [image], mask: [mask] } });
    expect(submitted.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const png = await nthResultPng(n);
    expect(readEmbeddedParameters(png)).toMatchObject({ prompt: 'a blue pond' });
    await expectHalfRepainted(png);
  });

  it('"Edit with imagine" on one of the bot\'s results starts from its picture, with its prompt in the form', async () => {
    const n = resultCount() + 1;
    await h.fake.sendSlashCommand({ text: 'a lighthouse --ar 3:2', channelId: CHANNEL });
    await nthResultPng(n);
    const shared = h.fake.workspace.messages.filter((message) => message.user === h.fake.botUserId && message.fileIds.length > 0).at(-1);
    if (shared === undefined) throw new Error('the result was not shared in a message');
    const before = h.fake.calls.of('views.open').length;
    await h.fake.sendMessageShortcut({ callbackId: 'edit_image', channel: CHANNEL, ts: shared.ts });
    const view = await nthOpenedView(before);
    expect(view.blocks.find((block) => block.block_id === 'prompt')?.element?.initial_value).toBe('a lighthouse');

    await h.fake.submitView({ viewId: view.id, values: { prompt: 'a lighthouse at night --strength 0.5' } });
    const png = await nthResultPng(n + 1);
    // The edit keeps the result's 3:2 shape: it started from that picture.
    expect(readEmbeddedParameters(png)).toMatchObject({ prompt: 'a lighthouse at night', size: '320x192' });
  });

  describe('refusals', () => {
    let elsewhere: Server;
    const seenElsewhere: IncomingHttpHeaders[] = [];

    beforeAll(async () => {
      elsewhere = createServer((req, res) => {
        seenElsewhere.push(req.headers);
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end();
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      elsewhere.closeAllConnections();
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    });

    it('a file whose URL is on another host is not fetched, so the bot token never leaves Slack, and the user is told', async () => {
      const view = await openUploadForm();
      const { port } = elsewhere.address() as AddressInfo;
      const forged = { id: 'F0FORGED', name: 'evil.png', mimetype: 'image/png', size: 100, url_private_download: `http://127.0.0.1:${port}/evil.png` };
      const before = h.fake.workspace.ephemerals.length;
      const posts = h.fake.calls.of('chat.postMessage').length;
      await h.fake.submitView({ viewId: view.id, files: { image: [forged] } });
      expect(await privateAnswer(before)).toContain("`image`: I couldn't download `evil.png`");
      expect(seenElsewhere).toEqual([]);
      expect(h.fake.calls.of('chat.postMessage').length).toBe(posts);
    });

    it('a picture over the size limit is refused by name and size, without downloading it', async () => {
      const view = await openUploadForm();
      const huge = upload('huge.png', 'image/png', new Uint8Array(TOO_MANY_BYTES));
      const before = h.fake.workspace.ephemerals.length;
      const downloads = h.fake.calls.of('file_download').length;
      await h.fake.submitView({ viewId: view.id, files: { image: [huge] } });
      expect(await privateAnswer(before)).toContain('`image`: `huge.png` is 11 MB; the most I take is 10 MB.');
      expect(h.fake.calls.of('file_download').length).toBe(downloads);
    });

    it('a file that is not an image is refused by name and type', async () => {
      const view = await openUploadForm();
      const pdf = upload('barn-mask.pdf', 'application/pdf', new TextEncoder().encode('%PDF-1.7'));
      const image = upload('barn.png', 'image/png', await flatPng(SIDE, SIDE, GREEN));
      const before = h.fake.workspace.ephemerals.length;
      await h.fake.submitView({ viewId: view.id, files: { image: [image], mask: [pdf] } });
      expect(await privateAnswer(before)).toContain('`mask`: `barn-mask.pdf` is `application/pdf`, not an image. Attach a PNG, JPEG or WebP.');
    });

    it('the shortcut in a channel the bot is not in explains how to invite it, and opens nothing', async () => {
      const image = upload('barn.png', 'image/png', await flatPng(SIDE, SIDE, GREEN));
      const message = h.fake.workspace.postUserMessage('C0RANDOM', DEFAULT_USER_ID, 'a red barn', [image]);
      const opened = h.fake.calls.of('views.open').length;
      const dms = (): RecordedCall[] => h.fake.calls.of('chat.postMessage').filter((call) => call.args.channel === DEFAULT_USER_ID);
      const told = dms().length;
      await h.fake.sendMessageShortcut({ callbackId: 'edit_image', channel: 'C0RANDOM', ts: message.ts });
      // The bot cannot post in #random, so it tells the user in its DM.
      await expect.poll(() => dms().length, { timeout: POLL_TIMEOUT_MS }).toBeGreaterThan(told);
      expect(dms()[told]?.args.text).toContain("I'm not a member of #random");
      expect(h.fake.calls.of('views.open').length).toBe(opened);
    });

    it('the shortcut on a message without a picture says how to edit one, and opens nothing', async () => {
      const message = h.fake.workspace.postUserMessage(CHANNEL, DEFAULT_USER_ID, 'just words');
      const opened = h.fake.calls.of('views.open').length;
      const before = h.fake.workspace.ephemerals.length;
      await h.fake.sendMessageShortcut({ callbackId: 'edit_image', channel: CHANNEL, ts: message.ts });
      expect(await privateAnswer(before)).toContain('That message has no picture I can edit');
      expect(h.fake.calls.of('views.open').length).toBe(opened);
    });
  });
});
