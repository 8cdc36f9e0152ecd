// The composition root: the one place that wires configuration, stores, the worker, the job
// service and the chat adapters together. `npm start` runs it.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type Keyv from 'keyv';
import type { CommandDeps } from '../commands/command-deps.js';
import { KeyvScopeSettingsStore } from '../commands/keyv-scope-settings-store.js';
import { KeyvUserSettingsStore } from '../commands/keyv-user-settings-store.js';
import type { UserKey } from '../commands/ports.js';
import { LoraFolderCatalog } from '../pipeline/lora/lora-catalog.js';
import { processIo } from '../ops/cli-io.js';
import { loadDotEnv } from '../ops/load-dot-env.js';
import { runModelDownload } from '../ops/run-model-download.js';
import { ConfigError, loadAppConfig, type AppConfig } from './app-config.js';
import { buildCommandsConfig } from './commands-config.js';
import { startJobBackend, type JobBackend } from './job-backend.js';
import { KeyvBanList } from './core/ban-list.js';
import { FileImageStore } from './core/image-store.js';
import { JobService } from './core/job-service.js';
import { KeyvJobStore } from './core/job-store.js';
import { KeyvRateLimiter } from './core/rate-limiter.js';
import { GracefulShutdown } from './core/shutdown.js';
import { openStateStore, StateStoreUnreadable } from './core/state-store.js';
import type { ChatAdapter } from './core/chat-adapter.js';
import { findUnfinishedJobs, InterruptUnresumedJobs } from './core/unfinished-jobs.js';
import { createDiscordBackend } from './discord/create-discord-backend.js';
import { DiscordBot } from './discord/discord-bot.js';
import { createLogger, type AppLogger } from './observability/create-logger.js';
import { createMetrics } from './observability/create-metrics.js';
import { startMetricsServer, type MetricsServer } from './observability/metrics-server.js';
import { residentMemoryBytes } from './observability/resident-memory.js';
import { WorkerHealth } from './observability/worker-health.js';
import type { DownloadProgress } from './observability/health-report.js';
import { KeyvChannelHistoryStore } from './playground/channel-history-store.js';
import { PlaygroundChatAdapter } from './playground/playground-chat-adapter.js';
import type { RunningPlayground } from './playground/start-playground.js';
import { SlackBot } from './slack/slack-bot.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const IMAGE_SWEEP_INTERVAL_MS = 6 * 60 * MINUTE_MS;
const EXIT_CONFIG = 2;
const EXIT_FAILED = 1;
const PLATFORM_NAMES: Readonly<Record<ChatAdapter['platform'], string>> = { discord: 'Discord', slack: 'Slack', playground: 'Playground' };

export interface StartOptions {
  /** Also start the playground next to the configured platforms. */
  readonly playground?: boolean;
  readonly logger?: AppLogger;
  /** Listen for SIGINT/SIGTERM (the real process); tests stop the bot themselves. */
  readonly installSignals?: boolean;
}

export interface RunningBot {
  readonly config: AppConfig;
  readonly playground?: RunningPlayground;
  readonly metrics?: MetricsServer;
  /** Resolves once the bot has shut down, with what started the shutdown. */
  readonly done: Promise<string>;
  stop(reason?: string): Promise<void>;
}

/** First start without a model: fetch the configured preset so `npm start` alone is enough. */
async function ensureModels(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
  options: StartOptions,
  logger: AppLogger,
  onProgress: (progress: DownloadProgress) => void,
): Promise<AppConfig> {
  if (config.models.length > 0) return config;
  const preset = config.core.AUTO_DOWNLOAD_MODEL;
  if (preset === 'off' || env['MODELS'] !== undefined) {
    throw new ConfigError([
      `no model found in ${config.core.MODELS_DIR}/. Download one with "npm run model:download -- sd-turbo" (or set MODELS to your ONNX folders)`,
    ]);
  }
  logger.info({ preset, repo: config.core.AUTO_DOWNLOAD_REPO, modelsDir: config.core.MODELS_DIR }, `no model yet: downloading the "${preset}" preset (set AUTO_DOWNLOAD_MODEL=off to skip)`);
  onProgress({ model: preset, doneBytes: 0, totalBytes: 0, percent: 0 });
  const repo = config.core.AUTO_DOWNLOAD_REPO;
  const code = await runModelDownload([preset, ...(repo === undefined ? [] : ['--repo', repo])], env, processIo, (doneBytes, totalBytes) =>
    onProgress({ model: preset, doneBytes, totalBytes, percent: totalBytes > 0 ? Math.floor((100 * doneBytes) / totalBytes) : 0 }),
  );
  if (code !== 0) throw new ConfigError([`downloading the "${preset}" model failed (see above); run "npm run model:download -- ${preset}" to retry`]);
  return loadAppConfig(env, options);
}

export async function startBot(env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<RunningBot> {
  const firstConfig = loadAppConfig(env, options);
  const logger = options.logger ?? createLogger({ level: firstConfig.observability.logLevel, env });
  const metrics = createMetrics();
  const health = new WorkerHealth({ onRestart: () => metrics.countWorkerRestart() });
  // Up before the first model download, so /healthz can report its progress.
  let download: DownloadProgress | undefined;
  let liveBackend: JobBackend | undefined;
  let metricsServer: MetricsServer | undefined;
  if (firstConfig.observability.metrics) {
    metricsServer = await startMetricsServer({
      port: firstConfig.observability.metrics.port,
      host: firstConfig.observability.metrics.host,
      registry: metrics.registry,
      health: () =>
        liveBackend !== undefined
          ? liveBackend.health()
          : download !== undefined
            ? { state: 'downloading', download }
            : { ...health.report(), queueLength: 0 },
    });
  }
  let config: AppConfig;
  try {
    config = await ensureModels(firstConfig, env, options, logger, (progress) => {
      download = progress;
    });
    download = undefined;
  } catch (error) {
    await metricsServer?.close();
    throw error;
  }
  const { core } = config;
  const { kinds, commandsConfig } = await buildCommandsConfig(config);
  const admins = commandsConfig.adminUserKeys as UserKey[];

  const keyv: Keyv = await openStateStore({ dataDir: core.DATA_DIR, ...(core.REDIS_URL !== undefined ? { redisUrl: core.REDIS_URL } : {}), logger });
  const images = await FileImageStore.open(join(core.DATA_DIR, 'images'));
  const jobs = new KeyvJobStore(keyv, { ttlMs: core.JOB_TTL_DAYS * DAY_MS });
  const limiter = KeyvRateLimiter.forKeyv(keyv, {
    perUser: { capacity: core.RATE_LIMIT_IMAGES, windowMs: core.RATE_LIMIT_WINDOW_MINUTES * MINUTE_MS },
    ...(core.GUILD_RATE_LIMIT_IMAGES !== undefined
      ? { perGuild: { capacity: core.GUILD_RATE_LIMIT_IMAGES, windowMs: core.GUILD_RATE_LIMIT_WINDOW_MINUTES * MINUTE_MS } }
      : {}),
    bypass: admins,
  });

  // The wait is read from the service's memory: a store read here would sit between two jobs.
  const jobBackend = await startJobBackend(config, env, kinds, { metrics, health, keyv, logger, acceptedAt: (jobId) => service.acceptedAt(jobId) });
  const { queue } = jobBackend;
  const service: JobService = new JobService({
    queue,
    jobs,
    images,
    limiter,
    bans: new KeyvBanList(keyv),
    caps: { maxWaiting: core.QUEUE_MAX_LENGTH, maxPerUser: core.QUEUE_MAX_PER_USER },
    models: config.models.map((model) => model.name),
    uploadId: () => FileImageStore.uploadId(),
    logger,
    onRefused: (code) => metrics.countRefusal(code),
  });
  liveBackend = jobBackend;
  metrics.bindSources({
    queueLength: () => jobBackend.queueLength(),
    workerResidentBytes: () => (health.pid === undefined ? undefined : residentMemoryBytes(health.pid)),
  });
  const commands: CommandDeps = {
    config: commandsConfig,
    settings: new KeyvUserSettingsStore(keyv),
    scopes: new KeyvScopeSettingsStore(keyv),
    jobs,
    queue: service,
    limits: service,
    admin: service,
    loras: new LoraFolderCatalog(core.LORA_DIR),
    loraDir: core.LORA_DIR,
  };

  const stoppers: Array<() => Promise<void>> = [];
  const nsfwPolicy = core.NSFW_POLICY;
  const adapters: ChatAdapter[] = [];
  const discord = config.discord ? new DiscordBot({ config: config.discord, backend: createDiscordBackend(commands, service), logger, nsfwPolicy }) : undefined;
  const slack = config.slack ? new SlackBot({ config: config.slack, commands, jobs: service, logger, nsfwPolicy }) : undefined;
  if (discord) adapters.push(discord);
  if (slack) adapters.push(slack);
  const playgroundAdapter = config.playground
    ? new PlaygroundChatAdapter({ config: config.playground, commands, jobs: service, logger, images, history: new KeyvChannelHistoryStore(keyv), nsfwPolicy })
    : undefined;
  if (playgroundAdapter) adapters.push(playgroundAdapter);
  // Read before any adapter takes a command: at start every queued or running record was cut off.
  const unfinished = await findUnfinishedJobs(keyv);
  for (const adapter of adapters) {
    await adapter.start();
    stoppers.push(() => adapter.stop());
    logger.info({ platform: adapter.platform }, `${PLATFORM_NAMES[adapter.platform]} connected`);
  }
  if (playgroundAdapter && !config.discord && !config.slack) {
    logger.info({}, 'No Discord or Slack credentials: starting the local playground. Set DISCORD_TOKEN + DISCORD_APPLICATION_ID or SLACK_BOT_TOKEN + SLACK_APP_TOKEN in .env to add a platform.');
  }
  const playground: RunningPlayground | undefined = playgroundAdapter?.playground;
  // Jobs kept from before a restart go on in the messages that showed them, on every platform.
  if (discord) service.addResumer(discord.resumer);
  if (slack) service.addResumer(slack.resumer);
  if (playground) service.addResumer(playground.resumer);
  // What the queue does not resume says "interrupted", with Re-roll, where it was shown; the
  // playground's resumer takes care of its own messages.
  const chatPlatforms = adapters.filter((adapter) => adapter.platform !== 'playground');
  service.addResumer(new InterruptUnresumedJobs(unfinished, { jobs, adapters: chatPlatforms, logger }));

  // Adapters are up: jobs kept from before a restart resume and reach their conversations.
  await service.start();

  if (metricsServer !== undefined) {
    const server = metricsServer;
    stoppers.push(() => server.close());
  }

  const sweep = setInterval(() => void images.sweep().catch((error: unknown) => logger.warn({ err: error }, 'image sweep failed')), IMAGE_SWEEP_INTERVAL_MS);
  sweep.unref();

  // The job service drains first, so "interrupted" notices still reach the adapters; then the
  // adapters stop, then the worker, then the state store.
  const shutdown = new GracefulShutdown({
    service,
    graceMs: core.SHUTDOWN_GRACE_SECONDS * 1000,
    logger,
    closers: [
      async () => {
        clearInterval(sweep);
        for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => logger.warn({ err: error }, 'adapter did not stop cleanly'));
      },
      () => jobBackend.close(),
      () => keyv.disconnect(),
    ],
  });
  if (options.installSignals) shutdown.install();
  logger.info(
    { models: config.models.map((m) => `${m.name} (${kinds[m.name]})`), queue: core.JOB_QUEUE, provider: core.ONNX_PROVIDER, playground: playground?.origin },
    'imagine is running',
  );

  return {
    config,
    ...(playground ? { playground } : {}),
    ...(metricsServer ? { metrics: metricsServer } : {}),
    done: shutdown.done,
    stop: async (reason = 'stop') => {
      await shutdown.run(reason);
    },
  };
}

async function main(): Promise<void> {
  loadDotEnv();
  // A stray rejection in an adapter must never take the bot (and everyone's queued jobs) down.
  process.on('unhandledRejection', (reason) => process.stderr.write(`imagine: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`));
  try {
    const bot = await startBot(process.env, { playground: process.argv.includes('--playground'), installSignals: true });
    await bot.done;
    process.exit(0);
  } catch (error) {
    if (error instanceof StateStoreUnreadable) {
      process.stderr.write(`imagine: ${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`imagine: ${error.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`imagine: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT_FAILED);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
