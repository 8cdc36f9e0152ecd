// The bot under test: the real DiscordBot (discord.js) against the fake Discord, over the pieces
// from backend-under-test.ts. `restart()` replaces bot and backend with fresh ones on the same
// stores, as a process restart would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiscordBot } from '../../../src/bot/discord/discord-bot.js';
import type { JobRecord } from '../../../src/commands/job-record.js';
import type { DiscordConfig } from '../../../src/bot/discord/discord-config.js';
import { registerDiscordCommands } from '../../../src/bot/discord/register.js';
import { FakeDiscord, type FakeDiscordOptions } from '../fake-discord/fake-discord.js';
import type { RecordedRequest } from '../fake-discord/request-log.js';
import { startBackendUnderTest, type BackendUnderTest, type BackendUnderTestOptions } from './backend-under-test.js';
import { RecordingLogger } from './recording-logger.js';

/** Fast enough for short tests, still well apart. */
export const TEST_EDIT_INTERVAL_MS = 250;
const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;
const RECORD_WAIT_MS = 5000;
const POLL_MS = 20;

export interface HarnessOptions {
  readonly fake?: FakeDiscordOptions;
  readonly bot?: Partial<Omit<DiscordConfig, 'token' | 'applicationId' | 'apiBase'>>;
  readonly backend?: Partial<Omit<BackendUnderTestOptions, 'dataDir' | 'logger'>>;
}

export class DiscordHarness {
  readonly logger = new RecordingLogger();
  bot!: DiscordBot;
  pieces!: BackendUnderTest;

  private constructor(
    readonly fake: FakeDiscord,
    readonly config: DiscordConfig,
    private readonly dataDir: string,
    private readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<DiscordHarness> {
    const fake = await FakeDiscord.start(options.fake);
    const config: DiscordConfig = {
      token: fake.token,
      applicationId: fake.world.applicationId,
      apiBase: fake.apiBase,
      editIntervalMs: TEST_EDIT_INTERVAL_MS,
      tokenLifetimeMs: FIFTEEN_MINUTES_MS,
      tokenSwitchMarginMs: 0,
      nsfwPolicy: 'spoiler',
      deliveryAttempts: 4,
      ...options.bot,
    };
    const harness = new DiscordHarness(fake, config, await mkdtemp(join(tmpdir(), 'imagine-discord-')), options);
    await harness.launch();
    await registerDiscordCommands({ config, specs: harness.pieces.specs, guildId: fake.world.guild.id });
    return harness;
  }

  /** Resolves once the stored job record knows that `messageId` shows it (the bot records it after delivery). */
  async jobShownIn(messageId: string, channelId: string = this.fake.world.channels.general.id): Promise<JobRecord> {
    const ref = { platform: 'discord' as const, channelId, messageId };
    const deadline = Date.now() + RECORD_WAIT_MS;
    for (;;) {
      const record = await this.pieces.jobs.findByMessage(ref);
      if (record !== undefined) return record;
      if (Date.now() > deadline) throw new Error(`no job record for message ${messageId}`);
      await sleep(POLL_MS);
    }
  }

  /** Stops bot and backend and starts new ones on the same stores. */
  async restart(): Promise<void> {
    await this.bot.stop();
    await this.pieces.close();
    await this.launch();
  }

  async close(): Promise<void> {
    await this.bot.stop();
    await this.pieces.close();
    await this.fake.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    this.pieces = await startBackendUnderTest({ dataDir: this.dataDir, logger: this.logger, ...this.options.backend });
    this.bot = new DiscordBot({ config: this.config, backend: this.pieces.backend, logger: this.logger });
    await this.bot.start();
  }
}

/** A request that uploaded a result image (`imagine-<seed>.png`), not a preview. */
export const deliversResult = (request: RecordedRequest): boolean =>
  request.status === 200 && request.files.some((file) => /^(SPOILER_)?imagine-\d+\.(png|webp|jpg)$/.test(file.filename));

export const isPreviewEdit = (request: RecordedRequest): boolean =>
  request.method === 'PATCH' && request.files.some((file) => file.filename === 'preview.png');

export const seedOf = (filename: string): number => Number(/imagine-(\d+)\./.exec(filename)?.[1]);
