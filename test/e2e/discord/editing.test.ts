// The editing loop on Discord, end to end on the real worker with an oracle model: /imagine with
// an image and a mask, Vary (Region) through its choice of regions, Zoom Out, Pan, and Remix as a
// modal. The oracle paints what it denoises in the prompt's colour and keeps what the mask keeps,
// so each part of a result shows whether the edit reached the pipeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseActionId } from '../../../src/commands/action-id.js';
import type { SentInteraction } from '../fake-discord/fake-discord.js';
import { colourDistance, flatPng, leftHalfMaskPng, meanColour } from '../support/edit-pictures.js';
import type { Rgb } from '../support/oracle-pipeline.js';
import { MANAGER_PERMISSIONS } from '../fake-discord/world.js';
import { NATIVE_SIDE } from './backend-under-test.js';
import { COLOUR_TOLERANCE, DiscordHarness, deliversResult } from './discord-harness.js';

const JOB_TIMEOUT_MS = 60_000;
const GREEN: Rgb = [12, 200, 34];
/** Mask blur and the 8× latent grid soften the seam; samples keep well away from it. */
const MARGIN = 40;
/** A mean over a box of repainted flat colour, after the VAE decode; what the mask keeps is the upload itself, exactly. */
const AREA_TOLERANCE = COLOUR_TOLERANCE + 2;

let h: DiscordHarness;
/** The half-repainted result every edit below starts from. */
let start: { readonly messageId: string; readonly prompt: Rgb };

interface Button {
  readonly label: string;
  readonly custom_id: string;
}

function buttonsOf(messageId: string): Button[] {
  return h.fake.message(messageId)?.components.flatMap((row) => row['components'] as Button[]) ?? [];
}

function press(messageId: string, label: string): SentInteraction {
  const button = buttonsOf(messageId).find((candidate) => candidate.label === label);
  if (button === undefined) throw new Error(`no ${label} button on message ${messageId}`);
  return h.fake.clickButton({ messageId, customId: button.custom_id });
}

async function resultOf(sent: SentInteraction): Promise<{ png: Uint8Array; messageId: string }> {
  const final = await h.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
  const png = final.files[0]?.data ?? new Uint8Array();
  const messageId = sent.record.originalMessageId ?? '';
  await h.jobShownIn(messageId, sent.record.channelId);
  return { png, messageId };
}

/** The text of the reply to an interaction, as the user sees it. */
async function ephemeralText(sent: SentInteraction): Promise<string> {
  const reply = await h.fake.waitForRequest((r) => r.path.includes(sent.token) && r.method !== 'DELETE' && JSON.stringify(r.json ?? {}).includes('content'));
  return (reply.json as { content: string }).content;
}

async function promptColour(png: Uint8Array): Promise<Rgb> {
  const image = await h.readResult(png);
  return h.pieces.expectedColour(image);
}

beforeAll(async () => {
  h = await DiscordHarness.start();
  const side = NATIVE_SIDE;
  const image = h.fake.uploadAttachment(await flatPng(side, side, GREEN), 'barn.png', 'image/png');
  const mask = h.fake.uploadAttachment(await leftHalfMaskPng(side, side), 'left.png', 'image/png');
  const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a red barn', image, mask } });
  const { png, messageId } = await resultOf(sent);
  start = { messageId, prompt: await promptColour(png) };
}, 120_000);

afterAll(async () => {
  await h.close();
});

describe('editing a result on Discord', () => {
  it('/imagine with an image and a mask repaints the white half in the prompt colour and keeps the black half', async () => {
    const png = (await h.fake.waitForRequest((r) => deliversResult(r) && r.files.length > 0)).files[0]?.data ?? new Uint8Array();
    const image = await h.readResult(png);
    expect([image.width, image.height]).toEqual([NATIVE_SIDE, NATIVE_SIDE]);
    const half = NATIVE_SIDE / 2;
    const left = await meanColour(png, { left: MARGIN / 2, top: MARGIN, width: half - MARGIN, height: NATIVE_SIDE - 2 * MARGIN });
    const right = await meanColour(png, { left: half + MARGIN / 2, top: MARGIN, width: half - MARGIN, height: NATIVE_SIDE - 2 * MARGIN });
    expect(colourDistance(left, start.prompt)).toBeLessThanOrEqual(AREA_TOLERANCE);
    expect(right).toEqual(GREEN);
    const labels = buttonsOf(start.messageId).map((button) => button.label);
    expect(labels).toEqual(expect.arrayContaining(['Remix', 'Vary (Region)', 'Zoom Out 2×', 'Zoom Out 1.5×', 'Left', 'Right', 'Up', 'Down']));
  });

  it('Vary (Region) offers the regions privately, then repaints the chosen one and keeps the rest', async () => {
    const choose = press(start.messageId, 'Vary (Region)');
    const callback = await h.fake.waitForRequest((r) => r.path === `/interactions/${choose.id}/${choose.token}/callback`);
    expect(callback.json).toMatchObject({ type: 5, data: { flags: 64 } });
    await h.fake.waitForRequest((r) => r.method === 'PATCH' && r.path.includes(choose.token) && JSON.stringify(r.json).includes('Right half'));
    const choiceId = choose.record.originalMessageId ?? '';
    expect(h.fake.message(choiceId)?.content).toContain('Which part of image 1');
    expect(buttonsOf(choiceId).map((button) => button.label)).toEqual(['Left half', 'Right half', 'Top half', 'Bottom half', 'Centre', 'Border']);

    // Repainting the left half again leaves the kept (green) right half as it was.
    const { png } = await resultOf(press(choiceId, 'Left half'));
    const half = NATIVE_SIDE / 2;
    const left = await meanColour(png, { left: MARGIN / 2, top: MARGIN, width: half - MARGIN, height: NATIVE_SIDE - 2 * MARGIN });
    const right = await meanColour(png, { left: half + MARGIN / 2, top: MARGIN, width: half - MARGIN, height: NATIVE_SIDE - 2 * MARGIN });
    expect(colourDistance(left, start.prompt)).toBeLessThanOrEqual(AREA_TOLERANCE);
    expect(right).toEqual(GREEN);
  });

  it('Zoom Out 2× keeps the old picture in the centre and paints the new border in the prompt colour', async () => {
    const { png } = await resultOf(press(start.messageId, 'Zoom Out 2×'));
    const image = await h.readResult(png);
    const side = NATIVE_SIDE * 2;
    expect([image.width, image.height]).toEqual([side, side]);
    // The old picture fills the centre quarter: its kept (green) half is the centre's right half.
    const keptGreen = await meanColour(png, { left: side / 2 + MARGIN / 2, top: side / 2 - MARGIN, width: side / 4 - MARGIN, height: 2 * MARGIN });
    const corner = await meanColour(png, { left: 8, top: 8, width: side / 4 - MARGIN, height: side / 4 - MARGIN });
    expect(keptGreen).toEqual(GREEN);
    expect(colourDistance(corner, start.prompt)).toBeLessThanOrEqual(AREA_TOLERANCE);
  });

  it('Pan ➡️ widens the canvas by half a side, keeps the old picture on the left and paints the new area', async () => {
    const { png } = await resultOf(press(start.messageId, 'Right'));
    const image = await h.readResult(png);
    expect([image.width, image.height]).toEqual([NATIVE_SIDE * 1.5, NATIVE_SIDE]);
    const keptGreen = await meanColour(png, { left: NATIVE_SIDE / 2 + MARGIN / 2, top: MARGIN, width: NATIVE_SIDE / 2 - MARGIN, height: NATIVE_SIDE - 2 * MARGIN });
    const added = await meanColour(png, { left: NATIVE_SIDE + MARGIN / 2, top: MARGIN, width: NATIVE_SIDE / 2 - MARGIN, height: NATIVE_SIDE - 2 * MARGIN });
    expect(keptGreen).toEqual(GREEN);
    expect(colourDistance(added, start.prompt)).toBeLessThanOrEqual(AREA_TOLERANCE);
  });

  it('Remix opens a modal prefilled from the job; submitting it runs the edited prompt as a new job', async () => {
    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a lighthouse', negative: 'fog', cfg: 6 } });
    const { messageId } = await resultOf(sent);
    const open = press(messageId, 'Remix');
    const callback = await h.fake.waitForRequest((r) => r.path === `/interactions/${open.id}/${open.token}/callback`);
    expect(callback.status).toBe(204);
    const modal = callback.json as { type: number; data: { custom_id: string; title: string; components: { components: { custom_id: string; value?: string }[] }[] } };
    expect(modal.type).toBe(9);
    expect(modal.data.title).toBe('Remix');
    expect(parseActionId(modal.data.custom_id)?.kind).toBe('remix_submit');
    const prefilled = Object.fromEntries(modal.data.components.map((row) => [row.components[0]?.custom_id, row.components[0]?.value]));
    expect(prefilled).toMatchObject({ prompt: 'a lighthouse', negative: 'fog', cfg: '6', size: `${NATIVE_SIDE}x${NATIVE_SIDE}` });

    const submit = h.fake.submitModal({ opened: open, values: { prompt: 'a lighthouse at dusk', cfg: '4' } });
    const ack = await h.fake.waitForRequest((r) => r.path === `/interactions/${submit.id}/${submit.token}/callback`);
    expect(ack.json).toMatchObject({ type: 5 });
    const { png, messageId: remixId } = await resultOf(submit);
    const image = await h.readResult(png);
    expect(image).toMatchObject({ prompt: 'a lighthouse at dusk', negativePrompt: 'fog', guidanceScale: 4 });
    expect(image.deviation).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    expect(h.fake.message(remixId)?.content).toContain('a lighthouse at dusk');
    const record = await h.jobShownIn(remixId);
    expect(record.request).toMatchObject({ origin: 'remix', parentJobId: (await h.jobShownIn(messageId)).jobId });
  });

  it('/settings server: a member with Manage Server bounds the steps of everyone in the server; a plain member may not', async () => {
    const plain = h.fake.slashCommand({ name: 'settings', subcommand: 'server', options: { 'max-steps': 3 } });
    expect(await ephemeralText(plain)).toContain('manage this server');

    const moderator = h.fake.slashCommand({ name: 'settings', subcommand: 'server', options: { 'max-steps': 3 }, memberPermissions: MANAGER_PERMISSIONS, user: h.fake.world.users.bob });
    expect(await ephemeralText(moderator)).toContain('Saved');

    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a bounded lighthouse', steps: 9 } });
    const { png, messageId } = await resultOf(sent);
    const image = await h.readResult(png);
    expect(image.fields.get('Steps')).toBe('3');
    expect(h.fake.message(messageId)?.content).toContain('Steps lowered from 9 to 3, the most allowed here.');
    const reset = h.fake.slashCommand({ name: 'settings', subcommand: 'server', options: { reset: true }, memberPermissions: MANAGER_PERMISSIONS });
    expect(await ephemeralText(reset)).toContain('cleared');
  });

  it('Re-roll and 🔄 on a result made before an admin lowered max-steps run with the lowered steps, and say so', async () => {
    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a lighthouse before the rules', steps: 6 } });
    const { png, messageId } = await resultOf(sent);
    expect((await h.readResult(png)).fields.get('Steps')).toBe('6');
    const bound = h.fake.slashCommand({ name: 'settings', subcommand: 'server', options: { 'max-steps': 3 }, memberPermissions: MANAGER_PERMISSIONS });
    expect(await ephemeralText(bound)).toContain('Saved');

    const rerolled = await resultOf(press(messageId, 'Re-roll'));
    expect((await h.readResult(rerolled.png)).fields.get('Steps')).toBe('3');
    expect(h.fake.message(rerolled.messageId)?.content).toContain('Steps lowered from 6 to 3, the most allowed here.');

    const before = h.fake.log.lastSeq;
    h.fake.react({ messageId, user: h.fake.world.users.bob });
    const channelPath = `/channels/${h.fake.world.channels.general.id}/messages`;
    const reacted = await h.fake.waitForRequest((r) => deliversResult(r) && r.path.startsWith(channelPath), { afterSeq: before, timeoutMs: JOB_TIMEOUT_MS });
    expect((await h.readResult(reacted.files[0]?.data)).fields.get('Steps')).toBe('3');

    const reset = h.fake.slashCommand({ name: 'settings', subcommand: 'server', options: { reset: true }, memberPermissions: MANAGER_PERMISSIONS });
    expect(await ephemeralText(reset)).toContain('cleared');
  });
});
