// The editing loop on Slack, end to end: the real Bolt app against the fake Slack, on the real
// worker with an oracle model. Remix opens a modal (views.open) prefilled from the job, and its
// view_submission runs the edited prompt as a new job; Vary (Region) offers its regions as an
// ephemeral message with buttons.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseActionId } from '../../../src/commands/action-id.js';
import type { RecordedCall } from '../fake-slack/call-log.js';
import type { FakeSlack } from '../fake-slack/fake-slack.js';
import { readEmbeddedParameters } from './embedded-parameters.js';
import { startPipelineUnderTest, type PipelineUnderTest } from './pipeline-under-test.js';
import { startSlackHarness, type SlackHarness, isResultUpload } from './slack-harness.js';

const CHANNEL = 'C0GENERAL';
const SLACK_ACK_DEADLINE_MS = 3000;
const RESULT_TIMEOUT_MS = 60_000;
const POLL_TIMEOUT_MS = 10_000;
const COLOUR_TOLERANCE = 2;
const RGB_CHANNELS = 3;

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

async function nthResultUpload(fake: FakeSlack, n: number): Promise<RecordedCall> {
  await expect.poll(() => fake.calls.all.filter(isResultUpload).length, { timeout: RESULT_TIMEOUT_MS }).toBeGreaterThanOrEqual(n);
  const call = fake.calls.all.filter(isResultUpload)[n - 1];
  if (call === undefined) throw new Error(`no result upload #${n}`);
  return call;
}

function pngOf(upload: RecordedCall): Buffer {
  const id = (JSON.parse(upload.args.files ?? '[]') as { id: string }[])[0]?.id ?? '';
  const bytes = h.fake.workspace.fileBytes(id);
  if (bytes === undefined) throw new Error('uploaded file has no bytes');
  return Buffer.from(bytes);
}

function jobMessages(): RecordedCall[] {
  return h.fake.calls.of('chat.postMessage').filter((c) => c.response.ok === true && c.args.channel?.startsWith('U') !== true);
}

interface ButtonView {
  readonly action_id: string;
  readonly text: { readonly text: string };
}

function buttonsIn(blocks: readonly unknown[]): ButtonView[] {
  return (blocks as { type: string; elements?: ButtonView[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

function buttonOn(ts: string, label: string): ButtonView {
  const found = buttonsIn(h.fake.workspace.message(CHANNEL, ts)?.blocks ?? []).find((b) => b.text.text.endsWith(label));
  if (found === undefined) throw new Error(`no button ${label}`);
  return found;
}

async function expectOracleColour(png: Buffer): Promise<void> {
  const expected = pipeline.expectedColour(readEmbeddedParameters(png));
  const { channels } = await sharp(png).stats();
  const worst = channels.slice(0, RGB_CHANNELS).map(({ min, max }, c) => Math.max(Math.abs(min - (expected[c] ?? 0)), Math.abs(max - (expected[c] ?? 0))));
  expect(Math.max(...worst)).toBeLessThanOrEqual(COLOUR_TOLERANCE);
}

async function imagine(text: string): Promise<{ ts: string; n: number }> {
  const n = h.fake.calls.all.filter(isResultUpload).length + 1;
  const posts = jobMessages().length;
  await h.fake.sendSlashCommand({ text, channelId: CHANNEL });
  await nthResultUpload(h.fake, n);
  await h.bot.idle();
  return { ts: String(jobMessages()[posts]?.response.ts), n };
}

describe('editing a result on Slack', () => {
  it('Remix opens a modal prefilled from the job; submitting it runs the edited prompt as a new job in the channel', async () => {
    const { ts, n } = await imagine('a lighthouse --no fog --cfg 6');
    const pressed = await h.fake.sendBlockAction({ channel: CHANNEL, ts, actionId: buttonOn(ts, 'Remix').action_id });
    expect(pressed.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);

    const opened = await h.fake.waitForCall((call) => call.method === 'views.open' && call.response.ok === true, POLL_TIMEOUT_MS, 'views.open');
    const view = JSON.parse(opened.args.view ?? '{}') as {
      title: { text: string };
      callback_id: string;
      blocks: { block_id: string; element: { action_id: string; initial_value?: string } }[];
    };
    expect(view.title.text).toBe('Remix');
    expect(parseActionId(view.callback_id)?.kind).toBe('remix_submit');
    const prefilled = Object.fromEntries(view.blocks.map((block) => [block.element.action_id, block.element.initial_value]));
    expect(prefilled).toMatchObject({ prompt: 'a lighthouse', negative: 'fog', cfg: '6' });

    const viewId = String((opened.response.view as { id: string }).id);
    const submitted = await h.fake.submitView({ viewId, values: { prompt: 'a lighthouse at dusk', cfg: '4' } });
    expect(submitted.ackMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const upload = await nthResultUpload(h.fake, n + 1);
    await h.bot.idle();
    const png = pngOf(upload);
    expect(readEmbeddedParameters(png)).toMatchObject({ prompt: 'a lighthouse at dusk', negativePrompt: 'fog', guidanceScale: 4 });
    await expectOracleColour(png);
    const remixTs = String(jobMessages().at(-1)?.response.ts);
    expect(jobMessages().at(-1)?.args.channel).toBe(CHANNEL);
    const record = await h.services.commands.jobs.findByMessage({ platform: 'slack', channelId: CHANNEL, messageId: remixTs });
    const parent = await h.services.commands.jobs.findByMessage({ platform: 'slack', channelId: CHANNEL, messageId: ts });
    expect(record?.request).toMatchObject({ origin: 'remix', parentJobId: parent?.jobId });
  });

  it('Vary (Region) offers the six regions as buttons in an ephemeral message; one of them starts the repaint', async () => {
    const { ts, n } = await imagine('a red barn');
    const before = h.fake.workspace.ephemerals.length;
    await h.fake.sendBlockAction({ channel: CHANNEL, ts, actionId: buttonOn(ts, 'Vary (Region)').action_id });
    await expect.poll(() => h.fake.workspace.ephemerals.length, { timeout: POLL_TIMEOUT_MS }).toBeGreaterThan(before);
    const choice = h.fake.workspace.ephemerals[before];
    expect(choice?.text).toContain('Which part of image 1');
    const regions = buttonsIn(choice?.blocks ?? []);
    expect(regions.map((b) => b.text.text)).toEqual(['Left half', 'Right half', 'Top half', 'Bottom half', 'Centre', 'Border']);

    const border = regions.find((b) => b.text.text === 'Border')?.action_id ?? '';
    await h.fake.sendBlockAction({ channel: CHANNEL, ts, actionId: border });
    const upload = await nthResultUpload(h.fake, n + 1);
    await h.bot.idle();
    const png = pngOf(upload);
    expect(readEmbeddedParameters(png)).toMatchObject({ prompt: 'a red barn' });
    const record = await h.services.commands.jobs.findByMessage({ platform: 'slack', channelId: CHANNEL, messageId: String(jobMessages().at(-1)?.response.ts) });
    expect(record?.request).toMatchObject({ origin: 'vary_region', mask: { source: { kind: 'region', region: 'border' } } });
  });
});
