// What happens around a finished result: buttons, 🔄 after a restart, bots' reactions, the
// per-user limit, DMs, retried deliveries and the registered commands.
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestInfo } from '../fake-discord/failure-rules.js';
import type { SentInteraction } from '../fake-discord/fake-discord.js';
import { COLOUR_TOLERANCE, DiscordHarness, LONG_JOB, deliversResult, seedOf, shownSeeds } from './discord-harness.js';
import { largestDeviation } from './oracle-image.js';

const JOB_TIMEOUT_MS = 30_000;
/** 0.05 of this many steps rounds down to none. */
const IMG2IMG_STEPS = 12;

let h: DiscordHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function imagine(harness: DiscordHarness, prompt: string, extra: Record<string, string | number> = {}): Promise<{ sent: SentInteraction; messageId: string }> {
  const sent = harness.fake.slashCommand({ name: 'imagine', options: { prompt, ...extra } });
  await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
  const messageId = sent.record.originalMessageId ?? '';
  await harness.jobShownIn(messageId, sent.record.channelId);
  return { sent, messageId };
}

const isFinalOriginalEdit = (r: RequestInfo): boolean =>
  r.method === 'PATCH' && r.path.endsWith('/messages/@original') && (r.filenames ?? []).some((name) => name.startsWith('imagine-'));

describe('results', () => {
  it('Re-roll button starts a new job in a new message with a new seed', async () => {
    h = await DiscordHarness.start();
    const harness = h;
    const { messageId } = await imagine(harness, 'a castle', { seed: 5 });
    const buttons = harness.fake.message(messageId)?.components.flatMap((row) => row['components'] as { label: string; custom_id: string }[]) ?? [];
    const reroll = buttons.find((button) => button.label === 'Re-roll');
    expect(reroll?.custom_id.length).toBeLessThanOrEqual(100);

    const click = harness.fake.clickButton({ messageId, customId: reroll?.custom_id ?? '', user: harness.fake.world.users.bob });
    const callback = await harness.fake.waitForRequest((r) => r.path === `/interactions/${click.id}/${click.token}/callback`);
    expect(callback.json).toMatchObject({ type: 5 });
    const final = await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(click.token), { timeoutMs: JOB_TIMEOUT_MS });
    const image = await harness.readResult(final.files[0]?.data);
    expect(image.seed).not.toBe(5);
    expect(image).toMatchObject({ prompt: 'a castle', seed: seedOf(final.files[0]?.filename ?? '') });
    expect(image.deviation).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    expect(click.record.originalMessageId).not.toBe(messageId);
    expect(shownSeeds(harness.fake.message(click.record.originalMessageId ?? '')?.content)).toEqual([image.seed]);
  });

  it('Delete removes the result for its owner and refuses anyone else privately', async () => {
    h = await DiscordHarness.start();
    const harness = h;
    const { messageId } = await imagine(harness, 'a short-lived doodle');
    const buttons = harness.fake.message(messageId)?.components.flatMap((row) => row['components'] as { label: string; custom_id: string }[]) ?? [];
    const remove = buttons.find((button) => button.label === 'Delete')?.custom_id ?? '';

    const stranger = harness.fake.clickButton({ messageId, customId: remove, user: harness.fake.world.users.bob });
    const refusal = await harness.fake.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith(`/${stranger.token}/messages/@original`));
    expect(String((refusal.json as { content: string }).content)).toContain('Only the person who made these images');
    expect(harness.fake.interaction(stranger.id)?.callback?.data).toMatchObject({ flags: 64 });
    expect(harness.fake.message(messageId)).toBeDefined();

    harness.fake.clickButton({ messageId, customId: remove });
    const deleted = await harness.fake.waitForRequest((r) => r.method === 'DELETE' && r.path === `/channels/${harness.fake.world.channels.general.id}/messages/${messageId}`);
    expect(deleted.status).toBe(204);
    expect(harness.fake.message(messageId)).toBeUndefined();
  });

  it('suggests aspect ratios while the user types', async () => {
    h = await DiscordHarness.start();
    const typing = h.fake.autocomplete({ name: 'imagine', options: { prompt: 'a wide view', ar: '16' }, focused: 'ar' });
    const answer = await h.fake.waitForRequest((r) => r.path === `/interactions/${typing.id}/${typing.token}/callback`);
    const body = answer.json as { type: number; data: { choices: { name: string; value: string }[] } };
    expect(body.type).toBe(8);
    expect(body.data.choices.map((choice) => choice.value)).toEqual(['16:9']);
    expect(body.data.choices[0]?.name).toMatch(/16:9 \(\d+×\d+\)/);
  });

  it('🔄 still re-rolls a result from before a restart, on a message the new client never saw', async () => {
    h = await DiscordHarness.start();
    const harness = h;
    const { messageId } = await imagine(harness, 'a harbour at dawn', { seed: 11 });
    await harness.restart();

    const before = harness.fake.log.lastSeq;
    harness.fake.react({ messageId, user: harness.fake.world.users.bob });
    const final = await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.startsWith('/channels/'), {
      afterSeq: before,
      timeoutMs: JOB_TIMEOUT_MS,
    });
    const image = await harness.readResult(final.files[0]?.data);
    expect(image.seed).not.toBe(11);
    expect(image.deviation).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    const shown = harness.fake.message(final.path.split('/').at(-1) ?? '')?.content;
    expect(shown).toContain('a harbour at dawn');
    expect(shownSeeds(shown)).toEqual([image.seed]);
  });

  it('ignores 🔄 from bots and other emoji', async () => {
    h = await DiscordHarness.start();
    const harness = h;
    const { messageId } = await imagine(harness, 'a quiet pond');
    const before = harness.fake.log.lastSeq;
    harness.fake.react({ messageId, user: harness.fake.world.users.otherBot });
    harness.fake.react({ messageId, user: harness.fake.world.users.bob, emoji: '👍' });
    // A 🔄 that counts, sent after them: anything the first two started would be posted before its result.
    harness.fake.react({ messageId, user: harness.fake.world.users.bob });
    const channelPath = `/channels/${harness.fake.world.channels.general.id}/messages`;
    await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.startsWith(channelPath), { afterSeq: before, timeoutMs: JOB_TIMEOUT_MS });
    const started = harness.fake.requests.filter((r) => r.seq > before && r.method === 'POST' && r.path === channelPath);
    expect(started).toHaveLength(1);
  });

  // The oracle repaints everything it denoises in the prompt's colour. At 0.05 of 12 steps, no step
  // is left to run: the pipeline only encodes and decodes the attached image, so its colour comes back.
  it.each([
    { strength: 0.5, result: "the prompt's colour", colourOf: 'prompt' },
    { strength: 0.05, result: 'the attached image back', colourOf: 'attachment' },
  ] as const)('downloads an attached image and starts from it: strength $strength gives $result', async ({ strength, colourOf }) => {
    h = await DiscordHarness.start();
    const harness = h;
    const attached = [12, 200, 34] as const;
    const [red, green, blue] = attached;
    const init = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: red, g: green, b: blue } } }).png().toBuffer();
    const attachment = harness.fake.uploadAttachment(init, 'start.png', 'image/png');
    const sent = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'repaint this', image: attachment, strength, steps: IMG2IMG_STEPS } });
    const final = await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    const image = await harness.readResult(final.files[0]?.data);
    expect(image.fields.get('Denoising strength')).toBe(String(strength));
    expect(colourOf === 'prompt' ? image.deviation : largestDeviation(image, attached)).toBeLessThanOrEqual(COLOUR_TOLERANCE);
  });

  it('works in a DM with the bot, 🔄 included', async () => {
    h = await DiscordHarness.start();
    const harness = h;
    const dmChannel = () => harness.fake.world.dmChannels.get(harness.fake.world.users.alice.id)?.id ?? '';
    const sent = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'a private sketch', seed: 3 }, channel: 'dm' });
    const final = await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    expect(final.files[0]?.filename).toBe('imagine-3.png');
    const messageId = sent.record.originalMessageId ?? '';
    expect(harness.fake.message(messageId)?.channel_id).toBe(dmChannel());
    await harness.jobShownIn(messageId, dmChannel());

    harness.fake.react({ messageId });
    const reroll = await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.startsWith(`/channels/${dmChannel()}/messages`), {
      timeoutMs: JOB_TIMEOUT_MS,
    });
    expect(seedOf(reroll.files[0]?.filename ?? '')).not.toBe(3);
  });
});

describe('limits and delivery failures', () => {
  it('refuses a request over the user limit with an ephemeral message', async () => {
    h = await DiscordHarness.start({ backend: { limit: { capacity: 1, windowMs: 60_000 } } });
    const harness = h;
    await imagine(harness, 'the only one');
    const second = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'one too many' } });
    const notice = await harness.fake.waitForRequest((r) => r.method === 'POST' && r.path === `/webhooks/${harness.fake.world.applicationId}/${second.token}`);
    const body = notice.json as { content: string; flags: number };
    expect(body.flags & 64).toBe(64);
    expect(body.content).toMatch(/You can make 1 image per 1 min\. Try again in (1 min|\d+ s)\./);
  });

  it('retries the final message through a run of 5xx answers', async () => {
    h = await DiscordHarness.start();
    const harness = h;
    const failures = 6;
    harness.fake.failures.serverError(isFinalOriginalEdit, failures);
    const sent = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'through the storm', seed: 8 } });
    const final = await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    expect(final.files[0]?.filename).toBe('imagine-8.png');
    expect(harness.fake.requests.filter((r) => r.status === 500)).toHaveLength(failures);
    expect(harness.logger.lines.some((line) => line.level === 'warn' && line.message.includes('retrying'))).toBe(true);
  });

  it('waits out a 429 on the final message and then delivers', async () => {
    h = await DiscordHarness.start();
    const harness = h;
    const retryAfterMs = 600;
    harness.fake.failures.rateLimit(isFinalOriginalEdit, retryAfterMs);
    const sent = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'patience', seed: 9 } });
    const final = await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    const limited = harness.fake.requests.find((r) => r.status === 429);
    expect((final.at - (limited?.at ?? 0))).toBeGreaterThanOrEqual(retryAfterMs - 10);
  });
});

describe('Discord rate limits', () => {
  it('paces progress edits by the rate-limit headers, so no edit is refused with 429', async () => {
    // Two requests per route every 1.5 s: far below what the edit interval alone would send.
    h = await DiscordHarness.start({ fake: { rateLimit: { limit: 2, windowMs: 1500 } } });
    const harness = h;
    const sent = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'a crowded harbour', ...LONG_JOB } });
    await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    const edits = harness.fake.requests.filter((r) => r.path.includes(sent.token) && r.method === 'PATCH');
    expect(edits.length).toBeGreaterThanOrEqual(3);
    expect(edits.filter((r) => r.status === 429)).toEqual([]);
  });
});

describe('slash command registration', () => {
  it('registers the commands with ranges, choices, autocomplete and DM access', async () => {
    h = await DiscordHarness.start();
    const commands = h.fake.registeredCommands(h.fake.world.guild.id);
    expect(commands.map((command) => command.name)).toEqual(['imagine', 'queue', 'settings', 'help', 'admin', 'loras']);
    const imagineCommand = commands.find((command) => command.name === 'imagine') as unknown as {
      contexts: number[];
      options: { name: string; type: number; required?: boolean; min_value?: number; max_value?: number; choices?: unknown[]; autocomplete?: boolean }[];
    };
    expect(imagineCommand.contexts).toContain(1);
    expect(imagineCommand.options[0]).toMatchObject({ name: 'prompt', required: true });
    expect(imagineCommand.options.find((option) => option.name === 'steps')).toMatchObject({ type: 4, min_value: 1, max_value: 50 });
    expect(imagineCommand.options.find((option) => option.name === 'sampler')?.choices?.length).toBeGreaterThan(1);
    expect(imagineCommand.options.find((option) => option.name === 'ar')).toMatchObject({ autocomplete: true });
    // LoRA names come from the folder by autocomplete: Discord's fixed choices stop at 25.
    expect(imagineCommand.options.find((option) => option.name === 'lora')).toMatchObject({ type: 3, autocomplete: true });
  });
});
