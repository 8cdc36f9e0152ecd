// The whole bot behind the playground, built from the real pieces: commands, job service (fair
// queue, limits, job records, image store) and the playground itself, over any ImageGenerator.
// State (keyv and the data folder) can be handed from one world to the next to test a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { commandsConfigSchema } from '../../../src/commands/config.js';
import type { CommandDeps } from '../../../src/commands/command-deps.js';
import { KeyvScopeSettingsStore } from '../../../src/commands/keyv-scope-settings-store.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { KeyvBanList } from '../../../src/bot/core/ban-list.js';
import type { ImageGenerator } from '../../../src/bot/core/image-generator.js';
import { FileImageStore } from '../../../src/bot/core/image-store.js';
import type { JobService } from '../../../src/bot/core/job-service.js';
import { createLocalJobService } from '../../../src/bot/core/local-job-service.js';
import { KeyvJobStore } from '../../../src/bot/core/job-store.js';
import { silentLogger } from '../../../src/bot/core/logger.js';
import type { Logger } from '../../../src/bot/core/logger.js';
import { KeyvRateLimiter } from '../../../src/bot/core/rate-limiter.js';
import type { BucketLimit } from '../../../src/bot/core/token-bucket.js';
import { KeyvChannelHistoryStore } from '../../../src/bot/playground/channel-history-store.js';
import { loadPlaygroundConfig } from '../../../src/bot/playground/playground-config.js';
import { startPlayground } from '../../../src/bot/playground/start-playground.js';
import type { RunningPlayground } from '../../../src/bot/playground/start-playground.js';
import type { ModelKind } from '../../../src/pipeline/types.js';

/** What survives a restart: the keyv store and the data folder. */
export interface WorldState {
  readonly keyv: Keyv;
  readonly dataDir: string;
  dispose(): Promise<void>;
}

export async function createWorldState(): Promise<WorldState> {
  const dataDir = await mkdtemp(join(tmpdir(), 'imagine-playground-'));
  const keyv = new Keyv();
  return {
    keyv,
    dataDir,
    async dispose() {
      await keyv.disconnect();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface WorldOptions {
  readonly generator: ImageGenerator;
  readonly model: { readonly name: string; readonly kind: ModelKind; readonly defaultSteps?: number };
  readonly state: WorldState;
  readonly editIntervalMs?: number;
  readonly perUserLimit?: BucketLimit;
  readonly logger?: Logger;
  /** Where the start-up URL is printed for the operator; nowhere by default. */
  readonly announce?: (line: string) => void;
  /** Commands config `adminUserKeys`. */
  readonly admins?: readonly string[];
}

export interface PlaygroundWorld {
  readonly playground: RunningPlayground;
  readonly jobService: JobService;
  readonly jobStore: KeyvJobStore;
  readonly images: FileImageStore;
  /** Shuts the bot down as on SIGTERM (the generator is the caller's to close). */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2_000;

export async function startPlaygroundWorld(options: WorldOptions): Promise<PlaygroundWorld> {
  const { keyv, dataDir } = options.state;
  const logger = options.logger ?? silentLogger;
  const jobStore = new KeyvJobStore(keyv);
  const images = await FileImageStore.open(join(dataDir, 'images'));
  const { name, kind, defaultSteps } = options.model;
  const { service: jobService } = createLocalJobService({
    generator: options.generator,
    keyv,
    jobs: jobStore,
    images,
    limiter: KeyvRateLimiter.forKeyv(keyv, options.perUserLimit === undefined ? {} : { perUser: options.perUserLimit }),
    bans: new KeyvBanList(keyv),
    models: [name],
    logger,
  });
  const commands: CommandDeps = {
    config: commandsConfigSchema.parse({
      models: { [name]: { kind, ...(defaultSteps === undefined ? {} : { defaultSteps }) } },
      defaultModel: name,
      ...(options.admins === undefined ? {} : { adminUserKeys: options.admins }),
    }),
    settings: new KeyvUserSettingsStore(keyv),
    scopes: new KeyvScopeSettingsStore(keyv),
    jobs: jobStore,
    queue: jobService,
    limits: jobService,
    admin: jobService,
  };
  const playground = await startPlayground({
    config: {
      ...loadPlaygroundConfig({}),
      port: 0,
      ...(options.editIntervalMs === undefined ? {} : { editIntervalMs: options.editIntervalMs }),
    },
    commands,
    jobs: jobService,
    logger,
    images,
    history: new KeyvChannelHistoryStore(keyv),
    announce: options.announce ?? (() => undefined),
  });
  jobService.addResumer(playground.resumer);
  await jobService.start();
  return {
    playground,
    jobService,
    jobStore,
    images,
    async close() {
      await jobService.shutdown(SHUTDOWN_GRACE_MS);
      await playground.close();
    },
  };
}
