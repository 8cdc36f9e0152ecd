// A bot restart on JOB_QUEUE=local (SQLite state): the first process shows a running and a waiting
// job on Discord (or Slack) and goes away; the second, on the same state file, resumes both, and
// what the user sees is the same two messages going on: progress, then the result with its seed,
// each delivered once, with no new message posted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordBackend } from '../../../src/bot/discord/create-discord-backend.js';
import { DiscordBot } from '../../../src/bot/discord/discord-bot.js';
import { DiscordJobMessage } from '../../../src/bot/discord/job-message.js';
import { registerDiscordCommands } from '../../../src/bot/discord/register.js';
import { sendableChannel } from '../../../src/bot/discord/sendable-channel.js';
import { SlackBot } from '../../../src/bot/slack/slack-bot.js';
import type { CommandDeps } from '../../../src/commands/command-deps.js';
import { parseCommandsConfig } from '../../../src/commands/config.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { commandSpecs } from '../../../src/commands/options.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { makeHarness, type Harness } from '../../fixtures/fake-worker/service-harness.js';
import { ScriptedGenerator } from '../../unit/bot/playground/scripted-generator.js';
import { FakeDiscord } from '../fake-discord/fake-discord.js';
import { FakeSlack } from '../fake-slack/fake-slack.js';

const MODEL = { name: 'tiny', kind: 'sd1', defaultSteps: 4 } as const;
const EDIT_INTERVAL_MS = 100;
const WAIT_MS = 20_000;
const RESULT_FILE = /^(SPOILER_)?imagine-\d+\.png$/;
const PROMPTS = [
  ['a running fox', 41],
  ['a waiting owl', 42],
] as const;
const quietLogger = pino({ level: 'silent' });

interface BotProcess {
  readonly harness: Harness;
  readonly keyv: Keyv;
  readonly commands: CommandDeps;
}

let dataDir = '';
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imagine-chat-resume-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** One bot process's job side: the job service on the SQLite state file, not started yet. */
async function startProcess(generator: ScriptedGenerator): Promise<BotProcess> {
  const keyv = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${join(dataDir, 'state.sqlite')}`, busyTimeout: 5_000 }), namespace: 'imagine' });
  const harness = await makeHarness({ generator, dataDir, keyv, models: [MODEL.name], start: false });
  const config = parseCommandsConfig({ models: { [MODEL.name]: { kind: MODEL.kind, defaultSteps: MODEL.defaultSteps } }, defaultModel: MODEL.name });
  const { service, jobs } = harness;
  return { harness, keyv, commands: { config, settings: new KeyvUserSettingsStore(keyv), jobs, queue: service, limits: service, admin: service } };
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A first process whose generator never gets past "started": it is cut off there. */
function heldGenerator(): ScriptedGenerator {
  const generator = new ScriptedGenerator();
  generator.hold();
  return generator;
}

function resumingGenerator(): ScriptedGenerator {
  const generator = new ScriptedGenerator();
  generator.stepDelayMs = 60;
  return generator;
}

function seedIn(png: Uint8Array | undefined): string | undefined {
  return png === undefined ? undefined : /Seed: (\d+)/.exec(readPngText(png).get('parameters') ?? '')?.[1];
}

describe('a restarted bot resumes kept jobs in the messages that showed them', () => {
  it('Discord: progress and the result with its seed land once on the same messages', async () => {
    const fake = await FakeDiscord.start();
    const channelId = fake.world.channels.general.id;
    const config = {
      token: fake.token,
      applicationId: fake.world.applicationId,
      apiBase: fake.apiBase,
      editIntervalMs: EDIT_INTERVAL_MS,
      tokenLifetimeMs: 15 * 60_000,
      tokenSwitchMarginMs: 0,
      deliveryAttempts: 2,
    };
    const botMessages = () => fake.messagesIn(channelId).filter((m) => m.author.id === fake.world.bot.id);
    try {
      const first = await startProcess(heldGenerator());
      await first.harness.service.start();
      const bot1 = new DiscordBot({ config, backend: createDiscordBackend(first.commands, first.harness.service), logger: quietLogger });
      await bot1.start();
      await registerDiscordCommands({ config, specs: commandSpecs(first.commands.config), guildId: fake.world.guild.id });
      for (const [prompt, seed] of PROMPTS) {
        fake.slashCommand({ name: 'imagine', options: { prompt: `${prompt} --seed ${seed} --steps 4` }, user: fake.world.users.alice });
        // In order: the first is running before the second is queued behind it.
        await until(`the message of ${prompt}`, async () => {
          const shown = botMessages().find((m) => m.content.includes(prompt));
          if (shown === undefined) return undefined;
          return first.harness.jobs.findByMessage({ platform: 'discord', channelId, messageId: shown.id });
        });
      }
      await until('the fox running', () => botMessages().find((m) => m.content.includes('a running fox') && m.content.includes('Starting now')));
      const before = new Map(PROMPTS.map(([prompt]) => [prompt, botMessages().find((m) => m.content.includes(prompt))?.id ?? '']));
      // The first process goes away: its job side stays frozen, its Discord client is gone.
      await bot1.stop();
      const cutAt = fake.requests.length;

      const second = await startProcess(resumingGenerator());
      const bot2 = new DiscordBot({ config, backend: createDiscordBackend(second.commands, second.harness.service), logger: quietLogger });
      await bot2.start();
      // What a restarted bot asks before posting a job an earlier process may have posted: does
      // its message, as Discord has it, show a result? Not yet: only "Starting now" and "Queued".
      const showsResult = (prompt: (typeof PROMPTS)[number][0]) =>
        new DiscordJobMessage({
          adopted: { platform: 'discord', channelId, messageId: before.get(prompt) ?? '' },
          channel: () => sendableChannel(bot2.client, channelId),
          tokenLifetimeMs: config.tokenLifetimeMs,
          tokenSwitchMarginMs: 0,
        }).showsFilesBesides('preview.png');
      for (const [prompt] of PROMPTS) expect(await showsResult(prompt)).toBe(false);
      second.harness.service.addResumer(bot2.resumer);
      const resumed = await second.harness.service.start();
      expect(resumed).toHaveLength(2);
      for (const [prompt] of PROMPTS) {
        await until(`the result of ${prompt}`, () => (fake.message(before.get(prompt) ?? '')?.attachments.some((a) => RESULT_FILE.test(a.filename)) ? true : undefined));
      }
      // A second delivery would follow right behind the first: give it the time to show.
      await sleep(500);
      await bot2.idle();

      for (const [prompt] of PROMPTS) expect(await showsResult(prompt)).toBe(true);

      // No new message: the same two, each now showing its own result.
      expect(botMessages().map((m) => m.id).sort()).toEqual([...before.values()].sort());
      const after = fake.requests.slice(cutAt);
      for (const [prompt, seed] of PROMPTS) {
        const id = before.get(prompt) ?? '';
        const message = fake.message(id);
        const results = message?.attachments.filter((a) => RESULT_FILE.test(a.filename)) ?? [];
        expect(results).toHaveLength(1);
        expect(message?.content).toContain(prompt);
        expect(message?.content).toContain(String(seed));
        expect(seedIn(results[0] === undefined ? undefined : fake.attachmentBytes(results[0]))).toBe(String(seed));
        const edits = after.filter((r) => r.method === 'PATCH' && r.path === `/channels/${channelId}/messages/${id}`);
        // Progress reached it through the bot token, then the result, uploaded once.
        expect(edits.some((r) => ((r.json as { content?: string } | undefined)?.content ?? '').includes('Step '))).toBe(true);
        expect(edits.filter((r) => r.files.some((file) => RESULT_FILE.test(file.filename)))).toHaveLength(1);
      }
      await bot2.stop();
      await second.harness.service.shutdown(1000);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('Slack: progress and the result with its seed land once on the same messages', async () => {
    const fake = await FakeSlack.start();
    const channelId = 'C0GENERAL';
    const slackBot = (process: BotProcess) =>
      new SlackBot({
        config: { botToken: fake.botToken, connection: { mode: 'socket', appToken: fake.appToken }, apiUrl: fake.apiUrl, command: '/imagine', editIntervalMs: EDIT_INTERVAL_MS, resultsInThread: true },
        commands: process.commands,
        jobs: process.harness.service,
        logger: quietLogger,
        retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 50 },
      });
    const jobMessages = () => fake.workspace.messagesIn(channelId).filter((m) => m.botId !== undefined && m.threadTs === undefined);
    const resultFiles = (ts: string) =>
      fake.workspace
        .messagesIn(channelId, ts)
        .flatMap((m) => m.fileIds)
        .filter((id) => RESULT_FILE.test(fake.workspace.files.get(id)?.filename ?? ''));
    try {
      const first = await startProcess(heldGenerator());
      await first.harness.service.start();
      const bot1 = slackBot(first);
      await bot1.start();
      await fake.waitForConnection();
      for (const [prompt, seed] of PROMPTS) {
        await fake.sendSlashCommand({ text: `${prompt} --seed ${seed} --steps 4`, userId: 'U0ALICE', channelId });
        await until(`the message of ${prompt}`, async () => {
          const shown = jobMessages().find((m) => JSON.stringify(m.blocks).includes(prompt));
          if (shown === undefined) return undefined;
          return first.harness.jobs.findByMessage({ platform: 'slack', channelId, messageId: shown.ts });
        });
      }
      const before = new Map(PROMPTS.map(([prompt]) => [prompt, jobMessages().find((m) => JSON.stringify(m.blocks).includes(prompt))?.ts ?? '']));
      await bot1.stop();
      const cutAt = fake.calls.of('chat.update').length;

      const second = await startProcess(resumingGenerator());
      const bot2 = slackBot(second);
      await bot2.start();
      second.harness.service.addResumer(bot2.resumer);
      const resumed = await second.harness.service.start();
      expect(resumed).toHaveLength(2);
      for (const [prompt] of PROMPTS) {
        const ts = before.get(prompt) ?? '';
        await until(`the result of ${prompt}`, () =>
          (fake.workspace.message(channelId, ts)?.blocks as { type: string }[] | undefined)?.some((b) => b.type === 'actions') && resultFiles(ts).length > 0 ? true : undefined,
        );
      }
      await sleep(500);
      await bot2.idle();

      expect(jobMessages().map((m) => m.ts).sort()).toEqual([...before.values()].sort());
      const updates = fake.calls.of('chat.update').slice(cutAt);
      for (const [prompt, seed] of PROMPTS) {
        const ts = before.get(prompt) ?? '';
        const files = resultFiles(ts);
        expect(files).toHaveLength(1);
        expect(seedIn(fake.workspace.fileBytes(files[0] ?? ''))).toBe(String(seed));
        const message = fake.workspace.message(channelId, ts);
        expect(JSON.stringify(message?.blocks)).toContain(prompt);
        const edits = updates.filter((call) => call.args['ts'] === ts);
        // Progress reached it by chat.update, then the result, uploaded once in its thread.
        expect(edits.some((call) => (call.args['blocks'] ?? '').includes('Step '))).toBe(true);
      }
      await bot2.stop();
      await second.harness.service.shutdown(1000);
    } finally {
      await fake.close();
    }
  }, 60_000);
});
