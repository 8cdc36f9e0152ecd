// `npm run worker` reads the bot's configuration (MODELS, ONNX_*, REDIS_URL, …) plus its own few
// variables. A worker host without Redis or without a model has nothing to do, so both are required.
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, loadAppConfig, type AppConfig } from '../app-config.js';

const positiveInt = (what: string) => z.coerce.number({ message: `must be ${what}` }).int(`must be ${what}`).positive(`must be ${what}`);

const workerSchema = z.object({
  WORKER_CONCURRENCY: positiveInt('a whole number of jobs at once, 1 per GPU').default(1),
  WORKER_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be letters, digits, . _ - (at most 100)').optional(),
  WORKER_LOCK_SECONDS: positiveInt('a whole number of seconds').default(30),
});

export interface WorkerHostConfig {
  readonly app: AppConfig;
  readonly redisUrl: string;
  readonly name: string;
  readonly concurrency: number;
  /** How long a job stays locked to this host without renewal; a lost host's job moves on after it. */
  readonly lockMs: number;
}

export function loadWorkerHostConfig(env: NodeJS.ProcessEnv): WorkerHostConfig {
  const defined = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''));
  const problems: string[] = [];
  let app: AppConfig | undefined;
  try {
    app = loadAppConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const parsed = workerSchema.safeParse(defined);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '');
      problems.push(`${name}=${JSON.stringify(defined[name] ?? '')}: ${issue.message}`);
    }
  }
  const redisUrl = app?.core.REDIS_URL;
  if (app !== undefined && redisUrl === undefined) problems.push('REDIS_URL is not set: a worker host takes its jobs from Redis (redis://host:6379)');
  if (app !== undefined && app.models.length === 0) {
    problems.push(`no model found in ${app.core.MODELS_DIR}/: a worker host needs the models it serves (npm run model:download -- sd-turbo, or set MODELS)`);
  }
  if (problems.length > 0 || app === undefined || redisUrl === undefined || !parsed.success) throw new ConfigError(problems);
  return {
    app,
    redisUrl,
    name: parsed.data.WORKER_NAME ?? `${hostname()}-${process.pid}`,
    concurrency: parsed.data.WORKER_CONCURRENCY,
    lockMs: parsed.data.WORKER_LOCK_SECONDS * 1000,
  };
}
