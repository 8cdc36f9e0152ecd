// The pieces below the Discord adapter, built in one place: the real commands layer and job
// service on stores that survive a bot restart (SQLite + files in `dataDir`), generating through
// a real PipelineClient that runs the real pipeline worker on an oracle model, whose images are
// one flat colour known in closed form.
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { KeyvBanList } from '../../../src/bot/core/ban-list.js';
import { FileImageStore } from '../../../src/bot/core/image-store.js';
import type { JobService } from '../../../src/bot/core/job-service.js';
import { createLocalJobService } from '../../../src/bot/core/local-job-service.js';
import { KeyvJobStore } from '../../../src/bot/core/job-store.js';
import type { Logger } from '../../../src/bot/core/logger.js';
import { KeyvRateLimiter } from '../../../src/bot/core/rate-limiter.js';
import { createDiscordBackend } from '../../../src/bot/discord/create-discord-backend.js';
import type { DiscordBackend } from '../../../src/bot/discord/discord-backend.js';
import { parseCommandsConfig } from '../../../src/commands/config.js';
import { KeyvScopeSettingsStore } from '../../../src/commands/keyv-scope-settings-store.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { commandSpecs, type CommandSpec } from '../../../src/commands/options.js';
import { startOraclePipeline, type OracleRequest, type Rgb } from '../support/oracle-pipeline.js';

/** A flat-colour image says as much at 256² as at 512², for a quarter of the work per step. */
export const NATIVE_SIDE = 256;
/** Long jobs ask for this size: four times the work of a native-size step. */
export const LARGEST_SIDE = 512;
/** With the conv stack below, a default job takes about half a second on one core. */
const DEFAULT_STEPS = 12;
const CONV_CHANNELS = 128;
const CONV_LAYERS = 8;
const PREVIEW_EVERY = 2;
const SHUTDOWN_GRACE_MS = 2000;

export interface BackendUnderTestOptions {
  /** Where the stores live; a second backend on the same folder is the bot after a restart. */
  readonly dataDir: string;
  /** Images per user per window before `rate_limited`. */
  readonly limit?: { readonly capacity: number; readonly windowMs: number };
  readonly logger: Logger;
}

export interface BackendUnderTest {
  readonly backend: DiscordBackend;
  /** The slash commands to register, from the same commands config. */
  readonly specs: readonly CommandSpec[];
  readonly service: JobService;
  readonly jobs: KeyvJobStore;
  /** The colour (0–255) every pixel of a correct image for `request` has. */
  expectedColour(request: OracleRequest): Rgb;
  close(): Promise<void>;
}

export async function startBackendUnderTest(options: BackendUnderTestOptions): Promise<BackendUnderTest> {
  // The worker first: it is what may fail to start, and it holds nothing else open.
  // latent_parameters, as optimum exports the VAE encoder; the Slack suite covers latent_sample.
  const pipeline = await startOraclePipeline({ channels: CONV_CHANNELS, layers: CONV_LAYERS, previewEvery: PREVIEW_EVERY, vaeEncoder: 'latent_parameters' });
  const keyv = new Keyv(new KeyvSqlite(`sqlite://${join(options.dataDir, 'state.sqlite')}`));
  const images = await FileImageStore.open(join(options.dataDir, 'images'));
  const jobs = new KeyvJobStore(keyv);
  const model = pipeline.model;
  const config = parseCommandsConfig({
    models: {
      [model.name]: { kind: model.kind, nativePixels: NATIVE_SIDE * NATIVE_SIDE, maxPixels: LARGEST_SIDE * LARGEST_SIDE, defaultSteps: DEFAULT_STEPS },
    },
    defaultModel: model.name,
  });
  const { service } = createLocalJobService({
    generator: pipeline.client,
    keyv,
    jobs,
    images,
    limiter: KeyvRateLimiter.forKeyv(keyv, options.limit !== undefined ? { perUser: options.limit } : {}),
    bans: new KeyvBanList(keyv),
    models: [model.name],
    logger: options.logger,
  });
  await service.start();
  const backend = createDiscordBackend(
    { config, settings: new KeyvUserSettingsStore(keyv), scopes: new KeyvScopeSettingsStore(keyv), jobs, queue: service, limits: service, admin: service },
    service,
  );
  return {
    backend,
    specs: commandSpecs(config),
    service,
    jobs,
    expectedColour: (request) => pipeline.expectedColour(request),
    async close() {
      await service.shutdown(SHUTDOWN_GRACE_MS);
      await pipeline.close();
      await keyv.disconnect();
    },
  };
}
