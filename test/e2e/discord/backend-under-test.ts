// The pieces below the Discord adapter, built in one place: the real commands layer and job
// service on stores that survive a bot restart (SQLite + files in `dataDir`), generating through
// a real PipelineClient. Today the client runs the fake worker (flat-colour "model"); to run the
// real worker on an oracle model, change only `startGenerator` below.
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { KeyvBanList } from '../../../src/bot/core/ban-list.js';
import type { ImageGenerator } from '../../../src/bot/core/image-generator.js';
import { FileImageStore } from '../../../src/bot/core/image-store.js';
import { JobService } from '../../../src/bot/core/job-service.js';
import { KeyvJobStore } from '../../../src/bot/core/job-store.js';
import type { Logger } from '../../../src/bot/core/logger.js';
import { KeyvRateLimiter } from '../../../src/bot/core/rate-limiter.js';
import { createDiscordBackend } from '../../../src/bot/discord/create-discord-backend.js';
import type { DiscordBackend } from '../../../src/bot/discord/discord-backend.js';
import { parseCommandsConfig } from '../../../src/commands/config.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { commandSpecs, type CommandSpec } from '../../../src/commands/options.js';
import { PARAMETERS_KEYWORD, formatParameters } from '../../../src/pipeline/image/a1111-parameters.js';
import { addPngText, readPngText } from '../../../src/pipeline/image/png-text.js';
import { PipelineClient } from '../../../src/pipeline/client.js';
import { SAMPLER_LABELS } from '../../../src/pipeline/types.js';
import { fakeClientOptions } from '../../fixtures/fake-worker/fake-client-options.js';

export const MODEL_NAME = 'fake-sd1';
/** Few steps and small images keep a job around a second. */
const DEFAULT_STEPS = 8;
const PREVIEW_EVERY = 2;
const DEFAULT_STEP_DELAY_MS = 40;
const SHUTDOWN_GRACE_MS = 2000;

export interface BackendUnderTestOptions {
  /** Where the stores live; a second backend on the same folder is the bot after a restart. */
  readonly dataDir: string;
  /** Images per user per window before `rate_limited`. */
  readonly limit?: { readonly capacity: number; readonly windowMs: number };
  readonly stepDelayMs?: number;
  readonly logger: Logger;
}

export interface BackendUnderTest {
  readonly backend: DiscordBackend;
  /** The slash commands to register, from the same commands config. */
  readonly specs: readonly CommandSpec[];
  readonly service: JobService;
  readonly jobs: KeyvJobStore;
  close(): Promise<void>;
}

async function startGenerator(stepDelayMs: number): Promise<{ generator: ImageGenerator; close(): Promise<void> }> {
  const client = await PipelineClient.start(
    fakeClientOptions({
      behaviour: { stepDelayMs },
      config: { models: [{ name: MODEL_NAME, dir: 'unused', kind: 'sd1' }], pipeline: { previewEvery: PREVIEW_EVERY } },
    }),
  );
  // The fake worker paints PNGs without metadata; the real pipeline embeds this chunk itself.
  const generator: ImageGenerator = {
    async generate(job, options) {
      const result = await client.generate(job, options);
      const { params } = job;
      const images = result.images.map((image) =>
        readPngText(image.png).has(PARAMETERS_KEYWORD)
          ? image
          : {
              ...image,
              png: addPngText(
                image.png,
                PARAMETERS_KEYWORD,
                formatParameters({
                  prompt: params.prompt,
                  negativePrompt: params.negativePrompt,
                  steps: params.numInferenceSteps,
                  sampler: SAMPLER_LABELS[params.sampler],
                  cfgScale: params.guidanceScale,
                  seed: image.seed,
                  width: image.width,
                  height: image.height,
                  model: job.model,
                }),
              ),
            },
      );
      return { ...result, images };
    },
  };
  return { generator, close: () => client.close() };
}

export async function startBackendUnderTest(options: BackendUnderTestOptions): Promise<BackendUnderTest> {
  const keyv = new Keyv(new KeyvSqlite(`sqlite://${join(options.dataDir, 'state.sqlite')}`));
  const images = await FileImageStore.open(join(options.dataDir, 'images'));
  const jobs = new KeyvJobStore(keyv);
  const pipeline = await startGenerator(options.stepDelayMs ?? DEFAULT_STEP_DELAY_MS);
  const config = parseCommandsConfig({
    models: { [MODEL_NAME]: { kind: 'sd1', defaultSteps: DEFAULT_STEPS } },
    defaultModel: MODEL_NAME,
  });
  const service = new JobService({
    generator: pipeline.generator,
    jobs,
    images,
    limiter: KeyvRateLimiter.forKeyv(keyv, options.limit !== undefined ? { perUser: options.limit } : {}),
    bans: new KeyvBanList(keyv),
    models: [MODEL_NAME],
    logger: options.logger,
  });
  const backend = createDiscordBackend(
    { config, settings: new KeyvUserSettingsStore(keyv), jobs, queue: service, limits: service, admin: service },
    service,
  );
  return {
    backend,
    specs: commandSpecs(config),
    service,
    jobs,
    async close() {
      await service.shutdown(SHUTDOWN_GRACE_MS);
      await pipeline.close();
      await keyv.disconnect();
    },
  };
}
