// Starts the fake Slack and the real SlackBot (Bolt) on top of the real commands layer and job
// service. `buildServices` is the one place that builds what sits behind the adapter; the pipeline
// itself comes from pipeline-under-test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import pino from 'pino';
import type { CommandDeps } from '../../../src/commands/command-deps.js';
import { parseCommandsConfig } from '../../../src/commands/config.js';
import { KeyvScopeSettingsStore } from '../../../src/commands/keyv-scope-settings-store.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import type { JobService } from '../../../src/bot/core/job-service.js';
import type { HttpServerLimits } from '../../../src/bot/core/http-server-limits.js';
import type { RateLimitConfig } from '../../../src/bot/core/rate-limiter.js';
import { SlackBot } from '../../../src/bot/slack/slack-bot.js';
import type { SlackConfig } from '../../../src/bot/slack/slack-config.js';
import { makeHarness } from '../../fixtures/fake-worker/service-harness.js';
import type { RecordedCall } from '../fake-slack/call-log.js';
import { FakeSlack } from '../fake-slack/fake-slack.js';
import type { PipelineUnderTest } from './pipeline-under-test.js';

export const SIGNING_SECRET = 'e2e-signing-secret';
/** Short enough to keep the suite fast, long enough to see throttling between step updates. */
export const TEST_EDIT_INTERVAL_MS = 300;
/** Few steps per job: the suite runs many jobs. */
export const TEST_DEFAULT_STEPS = 8;
/**
 * Small images keep each job around half a second on the oracle model: `--ar` shapes fill this
 * budget (1:1 is 256×256, 3:2 is 320×192); a larger `--size` is scaled down to the max.
 */
const TEST_NATIVE_SIDE = 256;
const TEST_MAX_SIDE = 512;
const PINO_ERROR_LEVEL = 50;

/** A job's result reaching the channel: the upload that carries the caption, accepted by Slack. */
export const isResultUpload = (call: RecordedCall): boolean =>
  call.method === 'files.completeUploadExternal' && call.args.initial_comment !== undefined && call.response.ok === true;

export interface HarnessOptions {
  readonly mode?: 'socket' | 'http';
  readonly command?: string;
  readonly editIntervalMs?: number;
  readonly resultsInThread?: boolean;
  readonly ackBudgetMs?: number;
  readonly limits?: Partial<RateLimitConfig>;
  /** HTTP mode: header and request timeouts of the bot's server. */
  readonly httpLimits?: HttpServerLimits;
}

export interface Services {
  readonly commands: CommandDeps;
  readonly jobs: JobService;
}

export interface LogEntry {
  readonly level: number;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export interface SlackHarness {
  readonly fake: FakeSlack;
  readonly services: Services;
  readonly bot: SlackBot;
  /** HTTP mode: where Slack would POST. */
  readonly httpUrl: string | undefined;
  readonly logs: LogEntry[];
  errors(): LogEntry[];
  /** Stops the bot and starts a fresh bot and job service on the same stores, as after a restart. */
  restart(): Promise<SlackHarness>;
  stop(): Promise<void>;
}

/** The commands layer and the job service, on in-memory keyv and a temporary image folder. */
export async function buildServices(pipeline: PipelineUnderTest, store: { keyv: Keyv; dataDir: string }, limits?: Partial<RateLimitConfig>): Promise<Services> {
  const { service, jobs } = await makeHarness({
    generator: pipeline.generator,
    dataDir: store.dataDir,
    keyv: store.keyv,
    models: [pipeline.model.name],
    ...(limits === undefined ? {} : { limits }),
  });
  const config = parseCommandsConfig({
    models: {
      [pipeline.model.name]: {
        kind: pipeline.model.kind,
        defaultSteps: TEST_DEFAULT_STEPS,
        nativePixels: TEST_NATIVE_SIDE * TEST_NATIVE_SIDE,
        maxPixels: TEST_MAX_SIDE * TEST_MAX_SIDE,
      },
    },
    defaultModel: pipeline.model.name,
  });
  const commands: CommandDeps = {
    config,
    settings: new KeyvUserSettingsStore(store.keyv),
    scopes: new KeyvScopeSettingsStore(store.keyv),
    jobs,
    queue: service,
    limits: service,
    admin: service,
  };
  return { commands, jobs: service };
}

function memoryLogger(logs: LogEntry[]): pino.Logger {
  return pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogEntry) });
}

function configFor(fake: FakeSlack, options: HarnessOptions): SlackConfig {
  return {
    botToken: fake.botToken,
    connection:
      options.mode === 'http' ? { mode: 'http', signingSecret: SIGNING_SECRET, port: 0, host: '127.0.0.1' } : { mode: 'socket', appToken: fake.appToken },
    apiUrl: fake.apiUrl,
    command: options.command ?? '/imagine',
    editIntervalMs: options.editIntervalMs ?? TEST_EDIT_INTERVAL_MS,
    resultsInThread: options.resultsInThread ?? true,
  };
}

interface Stores {
  readonly keyv: Keyv;
  readonly dataDir: string;
}

async function startOn(fake: FakeSlack, pipeline: PipelineUnderTest, stores: Stores, options: HarnessOptions, logs: LogEntry[]): Promise<SlackHarness> {
  const services = await buildServices(pipeline, stores, options.limits);
  const bot = new SlackBot({
    config: configFor(fake, options),
    commands: services.commands,
    jobs: services.jobs,
    logger: memoryLogger(logs),
    httpHost: '127.0.0.1',
    retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 },
    ...(options.ackBudgetMs === undefined ? {} : { ackBudgetMs: options.ackBudgetMs }),
    ...(options.httpLimits === undefined ? {} : { httpLimits: options.httpLimits }),
  });
  await bot.start();
  if (options.mode !== 'http') await fake.waitForConnection();
  const port = bot.httpPort;
  return {
    fake,
    services,
    bot,
    httpUrl: port === undefined ? undefined : `http://127.0.0.1:${port}/slack/events`,
    logs,
    errors: () => logs.filter((entry) => entry.level >= PINO_ERROR_LEVEL),
    restart: async () => {
      await bot.idle();
      await bot.stop();
      return startOn(fake, pipeline, stores, options, logs);
    },
    stop: async () => {
      await bot.idle();
      await bot.stop();
      await fake.close();
      await rm(stores.dataDir, { recursive: true, force: true });
    },
  };
}

export async function startSlackHarness(pipeline: PipelineUnderTest, options: HarnessOptions = {}): Promise<SlackHarness> {
  const fake = await FakeSlack.start({
    channels: [
      { id: 'C0RANDOM', name: 'random', kind: 'public', botIsMember: false },
      { id: 'G0SECRET', name: 'secret', kind: 'private', botIsMember: false },
      { id: 'D0BOTDM', name: 'directmessage', kind: 'im', botIsMember: true },
    ],
  });
  const stores = { keyv: new Keyv(), dataDir: await mkdtemp(join(tmpdir(), 'imagine-slack-e2e-')) };
  return startOn(fake, pipeline, stores, options, []);
}
