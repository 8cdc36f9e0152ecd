// Proves the fake Discord speaks enough of the API for the real discord.js client: login over the
// gateway, interactions, deferred replies with attachments, reactions on uncached messages,
// buttons, RESUME, and the failures the adapter must handle.
import { Client, DiscordAPIError, Events, GatewayIntentBits, Partials, type Interaction, type MessageReaction, type PartialMessageReaction } from 'discord.js';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord, type FakeDiscordOptions } from './fake-discord.js';
import type { RecordedRequest } from './request-log.js';

const FAST_HEARTBEAT_MS = 200;
const ACK_DEADLINE_MS = 3000;

let fake: FakeDiscord;
let client: Client;

async function startBot(options: FakeDiscordOptions = {}): Promise<void> {
  fake = await FakeDiscord.start({ heartbeatIntervalMs: FAST_HEARTBEAT_MS, ...options });
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel],
    rest: { api: fake.apiBase },
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(fake.token);
  await ready;
}

function nextInteraction(): Promise<Interaction> {
  return new Promise((resolve) => client.once(Events.InteractionCreate, resolve));
}

function tinyPng(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
}

const isOriginalEdit = (token: string) => (r: RecordedRequest) => r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`);

beforeEach(async () => {
  await startBot();
});

afterEach(async () => {
  await client.destroy();
  await fake.close();
});

describe('fake Discord with the real discord.js client', () => {
  it('logs in over the gateway with the requested intents, and heartbeats are acknowledged', async () => {
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/gateway/bot')).toBe(true);
    const expectedIntents =
      GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessageReactions | GatewayIntentBits.DirectMessageReactions;
    expect(fake.gateway.identifies.at(-1)?.intents).toBe(expectedIntents);
    const guild = client.guilds.cache.get(fake.world.guild.id);
    expect(guild?.channels.cache.get(fake.world.channels.nsfw.id)).toMatchObject({ nsfw: true });
    await expect.poll(() => fake.gateway.heartbeatsAcked, { timeout: 3000 }).toBeGreaterThan(0);
  });

  it('records a deferred reply and an edit carrying a PNG attachment', async () => {
    const png = await tinyPng();
    const received = nextInteraction();
    const sent = fake.slashCommand({ name: 'imagine', options: { prompt: 'a red square', steps: 4, guidance: 7.5 } });
    const interaction = await received;
    if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
    expect(interaction.options.getString('prompt')).toBe('a red square');
    expect(interaction.options.getInteger('steps')).toBe(4);
    expect(interaction.options.getNumber('guidance')).toBe(7.5);
    expect(interaction.attachmentSizeLimit).toBe(10 * 1024 * 1024);

    await interaction.deferReply();
    await interaction.editReply({ content: 'done', files: [{ attachment: png, name: 'result.png' }] });

    const callback = fake.interaction(sent.id)?.callback;
    expect(callback?.type).toBe(5);
    expect((callback?.at ?? Infinity) - sent.record.createdAt).toBeLessThan(ACK_DEADLINE_MS);
    const edit = await fake.waitForRequest(isOriginalEdit(sent.token));
    expect(edit.status).toBe(200);
    expect(edit.json).toMatchObject({ content: 'done' });
    expect(edit.files[0]?.filename).toBe('result.png');
    expect(edit.files[0]?.data.equals(png)).toBe(true);
    const message = fake.message(sent.record.originalMessageId ?? '');
    expect(message?.content).toBe('done');
    expect(message?.attachments[0]).toMatchObject({ filename: 'result.png', width: 8, height: 8, content_type: 'image/png' });
    const served = await fetch(message?.attachments[0]?.url ?? '');
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
  });

  it('delivers a reaction on a message discord.js never cached, as a partial it can fetch', async () => {
    const channel = client.channels.cache.get(fake.world.channels.general.id);
    if (!channel?.isSendable()) throw new Error('expected a text channel');
    const message = await channel.send('react to me');
    channel.messages.cache.clear();

    const reacted = new Promise<MessageReaction | PartialMessageReaction>((resolve) =>
      client.once(Events.MessageReactionAdd, (reaction) => resolve(reaction)),
    );
    fake.react({ messageId: message.id, user: fake.world.users.bob });
    const reaction = await reacted;
    expect(reaction.message.partial).toBe(true);
    expect(reaction.emoji.name).toBe('🔄');
    const full = await reaction.message.fetch();
    expect(full.content).toBe('react to me');
  });

  it('handles a button click with a deferred update and reports 10008 for a deleted message', async () => {
    const first = nextInteraction();
    const sent = fake.slashCommand({ name: 'imagine', options: { prompt: 'x' } });
    const command = await first;
    if (!command.isChatInputCommand()) throw new Error('expected a slash command');
    await command.reply({ content: 'result', components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Re-roll', custom_id: 'reroll' }] }] });
    const messageId = fake.interaction(sent.id)?.originalMessageId ?? '';

    const second = nextInteraction();
    fake.clickButton({ messageId, customId: 'reroll', user: fake.world.users.bob });
    const click = await second;
    if (!click.isButton()) throw new Error('expected a button');
    expect(click.customId).toBe('reroll');
    expect(click.user.id).toBe(fake.world.users.bob.id);
    await click.deferUpdate();

    fake.deleteMessage(messageId);
    const error = await click.editReply({ content: 'edited' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(10008);
  });

  it('retries after a 429 once the retry-after has passed', async () => {
    const retryAfterMs = 300;
    const channelPath = `/channels/${fake.world.channels.general.id}/messages`;
    fake.failures.rateLimit({ method: 'POST', path: channelPath }, retryAfterMs);
    const channel = await client.channels.fetch(fake.world.channels.general.id);
    if (!channel?.isSendable()) throw new Error('expected a text channel');
    await channel.send('after the limit');
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path === channelPath);
    expect(posts.map((r) => r.status)).toEqual([429, 200]);
    expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(retryAfterMs - 10);
  });

  it('answers 50013 when a permission is missing', async () => {
    fake.failures.missingPermissions({ method: 'POST', path: `/channels/${fake.world.channels.nsfw.id}/messages` });
    const channel = await client.channels.fetch(fake.world.channels.nsfw.id);
    if (!channel?.isSendable()) throw new Error('expected a text channel');
    const error = await channel.send('nope').catch((e: unknown) => e);
    expect((error as DiscordAPIError).code).toBe(50013);
  });

  it('resumes after a dropped connection and replays what was dispatched meanwhile', async () => {
    fake.gateway.dropConnections();
    const received = nextInteraction();
    const sent = fake.slashCommand({ name: 'help' });
    const interaction = await received;
    expect(interaction.id).toBe(sent.id);
    expect(fake.gateway.resumes).toBe(1);
  });
});

describe('fake Discord token lifetime', () => {
  it('rejects webhook edits with 50027 once the interaction token has expired', async () => {
    await client.destroy();
    await fake.close();
    const lifetimeMs = 300;
    await startBot({ interactionTokenLifetimeMs: lifetimeMs });
    const received = nextInteraction();
    fake.slashCommand({ name: 'imagine', options: { prompt: 'slow' } });
    const interaction = await received;
    if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
    await interaction.deferReply();
    await new Promise((resolve) => setTimeout(resolve, lifetimeMs + 50));
    const error = await interaction.editReply('too late').catch((e: unknown) => e);
    expect((error as DiscordAPIError).code).toBe(50027);
  });
});
