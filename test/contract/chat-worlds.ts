// The chat worlds the contract (and the security tests) run in: Discord (discord.js against the
// fake Discord), Slack (Bolt against the fake Slack) and the playground (its adapter and channel),
// each over the real commands layer and job service with a scripted generator.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import pino from 'pino';
import { createDiscordBackend } from '../../src/bot/discord/create-discord-backend.js';
import { DiscordBot } from '../../src/bot/discord/discord-bot.js';
import { registerDiscordCommands } from '../../src/bot/discord/register.js';
import { SlackBot } from '../../src/bot/slack/slack-bot.js';
import type { CommandDeps } from '../../src/commands/command-deps.js';
import { parseCommandsConfig } from '../../src/commands/config.js';
import { KeyvUserSettingsStore } from '../../src/commands/keyv-user-settings-store.js';
import { commandSpecs } from '../../src/commands/options.js';
import { FakeDiscord } from '../e2e/fake-discord/fake-discord.js';
import { FakeSlack } from '../e2e/fake-slack/fake-slack.js';
import { createWorldState, startPlaygroundWorld } from '../e2e/playground/playground-world.js';
import { makeHarness, type Harness } from '../fixtures/fake-worker/service-harness.js';
import { ContractGenerator, type ChatWorld, type Shown, type User } from './chat-surface.contract.js';

const MODEL = { name: 'tiny', kind: 'sd1', defaultSteps: 4 } as const;
const EDIT_INTERVAL_MS = 200;
const EPHEMERAL_FLAG = 64;
const SLACK_USERS: Record<User, string> = { alice: 'U0ALICE', bob: 'U0BOB' };
const RESULT_FILE = /^(SPOILER_)?imagine-\d+\.png$/;

interface Backend {
  readonly harness: Harness;
  readonly keyv: Keyv;
  readonly commands: CommandDeps;
  readonly dataDir: string;
}

async function startBackend(generator: ContractGenerator): Promise<Backend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'imagine-contract-'));
  const keyv = new Keyv();
  const harness = await makeHarness({ generator, dataDir, keyv, models: [MODEL.name] });
  const config = parseCommandsConfig({ models: { [MODEL.name]: { kind: MODEL.kind, defaultSteps: MODEL.defaultSteps } }, defaultModel: MODEL.name });
  const { service, jobs } = harness;
  return { harness, keyv, dataDir, commands: { config, settings: new KeyvUserSettingsStore(keyv), jobs, queue: service, limits: service, admin: service } };
}

const quietLogger = pino({ level: 'silent' });

interface PlatformBot {
  readonly platform: ChatWorld['platform'];
  idle(): Promise<void>;
  stop(): Promise<void>;
  markInterrupted: ChatWorld['adapter']['markInterrupted'];
}

/** What a world on a platform bot shares: its stores, its adapter, and how it shuts down. */
function worldBasics<F extends { close(): Promise<void> }>(backend: Backend, generator: ContractGenerator, bot: PlatformBot, fake: F, channelId: string) {
  return {
    fake,
    generator,
    jobs: backend.harness.jobs,
    keyv: backend.keyv,
    adapter: bot,
    channelId,
    editIntervalMs: EDIT_INTERVAL_MS,
    async close() {
      await bot.idle();
      await bot.stop();
      await backend.harness.service.shutdown(1000);
      await fake.close();
      await rm(backend.dataDir, { recursive: true, force: true });
    },
  };
}

export async function startDiscordWorld(): Promise<ChatWorld & { readonly fake: FakeDiscord }> {
  const generator = new ContractGenerator();
  const backend = await startBackend(generator);
  const fake = await FakeDiscord.start();
  const config = {
    token: fake.token,
    applicationId: fake.world.applicationId,
    apiBase: fake.apiBase,
    editIntervalMs: EDIT_INTERVAL_MS,
    tokenLifetimeMs: 15 * 60_000,
    tokenSwitchMarginMs: 0,
    deliveryAttempts: 2,
  };
  const bot = new DiscordBot({ config, backend: createDiscordBackend(backend.commands, backend.harness.service), logger: quietLogger });
  await bot.start();
  await registerDiscordCommands({ config, specs: commandSpecs(backend.commands.config), guildId: fake.world.guild.id });
  const channelId = fake.world.channels.general.id;
  const users = { alice: fake.world.users.alice, bob: fake.world.users.bob };
  const shown = (message: ReturnType<FakeDiscord['messagesIn']>[number]): Shown => ({
    id: message.id,
    text: message.content,
    buttons: message.components.flatMap((row) => (row['components'] as { label: string }[]).map((button) => button.label)),
    images: message.attachments.filter((file) => RESULT_FILE.test(file.filename)).length,
    spoilers: message.attachments.filter((file) => RESULT_FILE.test(file.filename) && file.filename.startsWith('SPOILER_')).length,
  });
  const privateTexts = new Map<User, string[]>();
  /** Ephemeral answers are follow-ups on the interaction's token. */
  const collectPrivate = (user: User, token: string): void => {
    void fake.waitForRequest((r) => r.method === 'POST' && r.path.includes(token) && r.path.startsWith('/webhooks'), { timeoutMs: 15_000 }).then(
      (request) => privateTexts.set(user, [...(privateTexts.get(user) ?? []), (request.json as { content: string }).content]),
      () => undefined,
    );
  };
  return {
    ...worldBasics(backend, generator, bot, fake, channelId),
    platform: 'discord',
    async imagine(user, text) {
      const sent = fake.slashCommand({ name: 'imagine', options: { prompt: text }, user: users[user] });
      await fake.waitForRequest((r) => r.path === `/interactions/${sent.id}/${sent.token}/callback`);
      collectPrivate(user, sent.token);
    },
    messages: async () => fake.messagesIn(channelId).filter((m) => (m.flags & EPHEMERAL_FLAG) === 0 && m.author.id === fake.world.bot.id).map(shown),
    privateTo: async (user) => privateTexts.get(user) ?? [],
    async press(user, messageId, label) {
      const message = fake.message(messageId);
      const button = message?.components.flatMap((row) => row['components'] as { label: string; custom_id: string }[]).find((b) => b.label === label);
      if (button === undefined) throw new Error(`no ${label} button`);
      collectPrivate(user, fake.clickButton({ messageId, customId: button.custom_id, user: users[user] }).token);
    },
    editCount: () => fake.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/messages/')).length,
  };
}

export async function startSlackWorld(): Promise<ChatWorld & { readonly fake: FakeSlack }> {
  const generator = new ContractGenerator();
  const backend = await startBackend(generator);
  const fake = await FakeSlack.start();
  const bot = new SlackBot({
    config: {
      botToken: fake.botToken,
      connection: { mode: 'socket', appToken: fake.appToken },
      apiUrl: fake.apiUrl,
      command: '/imagine',
      editIntervalMs: EDIT_INTERVAL_MS,
      resultsInThread: true,
    },
    commands: backend.commands,
    jobs: backend.harness.service,
    logger: quietLogger,
    retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 50 },
  });
  await bot.start();
  await fake.waitForConnection();
  const channelId = 'C0GENERAL';
  const acks = new Map<User, string[]>();
  const resultFiles = (ts: string): number =>
    fake.workspace
      .messagesIn(channelId, ts)
      .flatMap((m) => m.fileIds)
      .filter((id) => RESULT_FILE.test(fake.workspace.files.get(id)?.filename ?? '')).length;
  return {
    ...worldBasics(backend, generator, bot, fake, channelId),
    platform: 'slack',
    async imagine(user, text) {
      const ack = await fake.sendSlashCommand({ text, userId: SLACK_USERS[user], channelId });
      const said = (ack.payload as { text?: string } | undefined)?.text;
      if (said !== undefined) acks.set(user, [...(acks.get(user) ?? []), said]);
    },
    messages: async () =>
      fake.workspace
        .messagesIn(channelId)
        .filter((m) => m.botId !== undefined && m.threadTs === undefined)
        .map((m) => ({
          id: m.ts,
          text: JSON.stringify(m.blocks),
          buttons: (m.blocks as { type: string; elements?: { text: { text: string } }[] }[])
            .filter((block) => block.type === 'actions')
            .flatMap((block) => (block.elements ?? []).map((element) => element.text.text)),
          // The result is whole once its message carries the buttons, after the upload.
          images: (m.blocks as { type: string }[]).some((block) => block.type === 'actions') ? resultFiles(m.ts) : 0,
        })),
    privateTo: async (user) => [
      ...(acks.get(user) ?? []),
      ...fake.calls.of('chat.postEphemeral').filter((call) => call.args['user'] === SLACK_USERS[user]).map((call) => call.args['text'] ?? ''),
    ],
    async press(user, ts, label) {
      const blocks = (fake.workspace.message(channelId, ts)?.blocks ?? []) as { type: string; elements?: { action_id: string; text: { text: string } }[] }[];
      const button = blocks
        .filter((block) => block.type === 'actions')
        .flatMap((block) => block.elements ?? [])
        .find((element) => element.text.text.endsWith(label));
      if (button === undefined) throw new Error(`no ${label} button`);
      await fake.sendBlockAction({ channel: channelId, ts, actionId: button.action_id, userId: SLACK_USERS[user] });
    },
    editCount: () => fake.calls.of('chat.update').length,
  };
}

export async function startPlaygroundChatWorld(): Promise<ChatWorld> {
  const generator = new ContractGenerator();
  const state = await createWorldState();
  const world = await startPlaygroundWorld({ generator, model: MODEL, state, editIntervalMs: EDIT_INTERVAL_MS });
  const { channel, adapter } = world.playground;
  let edits = 0;
  channel.subscribe((event) => {
    if (event.kind === 'upsert' && event.message.author.kind === 'bot' && event.message.editedAt !== undefined) edits += 1;
  });
  return {
    generator,
    jobs: world.jobStore,
    keyv: state.keyv,
    adapter,
    platform: 'playground',
    channelId: 'playground',
    editIntervalMs: EDIT_INTERVAL_MS,
    imagine: (user, text) => adapter.receive({ type: 'command', user, text: `/imagine ${text}` }),
    messages: async () =>
      channel
        .all()
        .filter((m) => m.author.kind === 'bot' && m.visibleTo === undefined)
        .map((m) => ({
          id: m.id,
          text: [m.title ?? '', m.text, ...m.fields.map((field) => `${field.label}: ${field.value}`)].join('\n'),
          buttons: m.buttonRows.flat().map((button) => button.label),
          images: m.images.length,
        })),
    privateTo: async (user) => channel.all().filter((m) => m.visibleTo === user).map((m) => m.text),
    async press(user, messageId, label) {
      const button = channel.get(messageId)?.buttonRows.flat().find((b) => b.label.endsWith(label));
      if (button === undefined) throw new Error(`no ${label} button`);
      await adapter.receive({ type: 'button', user, messageId, buttonId: button.id });
    },
    editCount: () => edits,
    async close() {
      await adapter.idle();
      await world.close();
      await state.dispose();
    },
  };
}
