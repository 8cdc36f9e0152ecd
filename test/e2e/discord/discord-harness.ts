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
import { LARGEST_SIDE, startBackendUnderTest, type BackendUnderTest, type BackendUnderTestOptions } from './backend-under-test.js';
import { largestDeviation, readResultImage, type ResultImage } from './oracle-image.js';
import { RecordingLogger } from './recording-logger.js';

/** Fast enough for short tests, still well apart. */
export const TEST_EDIT_INTERVAL_MS = 250;
/** Options of a job that runs for seconds, long enough to outlive a shortened token: 512² at 24 steps. */
export const LONG_JOB = { size: String(LARGEST_SIDE), steps: 24 } as const;
/** A result's pixels may differ from the closed form by rounding (and the float path) only. */
export const COLOUR_TOLERANCE = 2;
const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;
const RECORD_WAIT_MS = 10_000;
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
      deliveryAttempts: 4,
      // The fake serves attachments itself, standing in for Discord's CDN.
      attachmentOrigins: [fake.origin],
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

  /**
   * Reads a delivered PNG back, with how far its pixels are from the oracle's colour for the
   * prompt, negative prompt and CFG its `parameters` chunk names.
   */
  async readResult(png: Uint8Array | undefined): Promise<ResultImage & { readonly deviation: number }> {
    const image = await readResultImage(png ?? new Uint8Array());
    return { ...image, deviation: largestDeviation(image, this.pieces.expectedColour(image)) };
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

/** The seeds a result message shows in its `Seed:` (or `Seeds:`) field. */
export const shownSeeds = (content: string | undefined): number[] =>
  (/\*\*Seeds?:\*\* ([\d, ]+)/.exec(content ?? '')?.[1] ?? '').split(',').filter((seed) => seed.trim() !== '').map(Number);
