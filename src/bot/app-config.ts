// The bot's whole configuration, read from the environment (and .env) at start-up and validated at
// once: every missing or invalid variable is reported together, with the form it should take.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { EXECUTION_PROVIDERS } from '../pipeline/types.js';
import { NSFW_POLICIES } from './core/nsfw-policy.js';
import { loadDiscordConfig, type DiscordConfig } from './discord/discord-config.js';
import { loadObservabilityConfig, type ObservabilityConfig } from './observability/observability-config.js';
import { SECRET_ENV_VARS } from './observability/secret-scrubber.js';
import { loadPlaygroundConfig, type PlaygroundConfig } from './playground/playground-config.js';
import { parseSlackConfig, type SlackConfig } from './slack/slack-config.js';

export const DEFAULT_DATA_DIR = 'data';
export const DEFAULT_MODELS_DIR = 'models';
/** ONNX image upscalers (`NAME.onnx`) for the hires fix and U1–U4; a missing folder means none. */
export const DEFAULT_UPSCALERS_DIR = 'upscalers';
export const DEFAULT_LORA_DIR = 'loras';
const MODEL_INDEX_FILE = 'model_index.json';

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

const flag = z
  .string()
  .transform((text) => text.trim().toLowerCase())
  .refine((text) => TRUE_WORDS.includes(text) || FALSE_WORDS.includes(text), { message: `must be one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}` })
  .transform((text) => TRUE_WORDS.includes(text));

const positiveInt = (what: string) => z.coerce.number({ message: `must be ${what}` }).int(`must be ${what}`).positive(`must be ${what}`);
const nonNegativeInt = (what: string) => z.coerce.number({ message: `must be ${what}` }).int(`must be ${what}`).min(0, `must be ${what}`);

const userKeyList = z
  .string()
  .transform((text) => text.split(',').map((item) => item.trim()).filter((item) => item !== ''))
  .pipe(
    z.array(
      z
        .string()
        .refine((key) => !key.startsWith('playground:'), 'playground names need no entry: anyone who can open the playground is its operator and has the admin commands there')
        .pipe(z.string().regex(/^(discord|slack):[^\s:]+$/, 'each entry must look like discord:123456789 or slack:U0123ABCD')),
    ),
  );

/** Core variables; the adapters validate their own DISCORD_*, SLACK_* and PLAYGROUND_* ones. */
const coreSchema = z.object({
  DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
  MODELS_DIR: z.string().default(DEFAULT_MODELS_DIR),
  MODELS: z.string().optional(),
  DEFAULT_MODEL: z.string().optional(),
  INPAINT_MODEL: z.string().optional(),
  AUTO_DOWNLOAD_MODEL: z.string().default('sd-turbo'),
  /** Another Hub repo for the auto-downloaded preset, e.g. a mirror with the same layout. */
  AUTO_DOWNLOAD_REPO: z.string().trim().regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, 'must be a Hub repo id such as owner/name').optional(),
  ONNX_PROVIDER: z.enum(EXECUTION_PROVIDERS, { message: `must be one of ${EXECUTION_PROVIDERS.join(', ')}` }).default('cpu'),
  ONNX_ALLOW_CPU_FALLBACK: flag.default(false),
  ONNX_THREADS: positiveInt('a whole number of threads, 1 or more').optional(),
  PREVIEW_EVERY: nonNegativeInt('a whole number of steps (0 turns previews off)').default(5),
  SAFETY_CHECKER: flag.default(true),
  TAESD_DIR: z.string().optional(),
  FAST_DECODE: flag.default(false),
  UPSCALERS_DIR: z.string().default(DEFAULT_UPSCALERS_DIR),
  UPSCALER: z.string().regex(/^[A-Za-z0-9][\w.+-]*$/, 'must be the name of a .onnx file in UPSCALERS_DIR, without .onnx').optional(),
  LORA_DIR: z.string().default(DEFAULT_LORA_DIR),
  LORA_CACHE_MAX_GB: positiveInt('a whole number of gigabytes').default(20),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  ADMINS: userKeyList.default([]),
  COMMANDS_CONFIG: z.string().optional(),
  RATE_LIMIT_IMAGES: positiveInt('a whole number of images').default(20),
  RATE_LIMIT_WINDOW_MINUTES: positiveInt('a whole number of minutes').default(10),
  GUILD_RATE_LIMIT_IMAGES: positiveInt('a whole number of images').optional(),
  GUILD_RATE_LIMIT_WINDOW_MINUTES: positiveInt('a whole number of minutes').default(10),
  JOB_QUEUE: z.enum(['local', 'redis'], { message: 'must be local or redis' }).default('local'),
  LOCAL_WORKER: flag.default(false),
  QUEUE_CONCURRENCY: positiveInt('a whole number, 1 for one GPU').default(1),
  QUEUE_MAX_LENGTH: positiveInt('a whole number of waiting jobs').default(50),
  QUEUE_MAX_PER_USER: positiveInt('a whole number of jobs').default(2),
  JOB_TTL_DAYS: positiveInt('a whole number of days').default(30),
  JOB_DEADLINE_MINUTES: positiveInt('a whole number of minutes').default(15),
  WORKER_HEARTBEAT_TIMEOUT_SECONDS: positiveInt('a whole number of seconds').default(30),
  SHUTDOWN_GRACE_SECONDS: nonNegativeInt('a whole number of seconds').default(60),
  PLAYGROUND: flag.default(false),
  NSFW_POLICY: z.enum(NSFW_POLICIES, { message: `must be one of ${NSFW_POLICIES.join(', ')}` }).default('spoiler'),
});

export type CoreConfig = z.output<typeof coreSchema>;

export interface ModelEntry {
  readonly name: string;
  readonly dir: string;
}

export interface AppConfig {
  readonly core: CoreConfig;
  readonly models: readonly ModelEntry[];
  readonly defaultModel: string | undefined;
  /** The commands layer's file (styles, blocklist, per-model limits), parsed JSON. */
  readonly commandsFile: unknown;
  readonly observability: ObservabilityConfig;
  readonly discord?: DiscordConfig;
  readonly slack?: SlackConfig;
  /** Present when no platform is configured, or when asked for with --playground / PLAYGROUND=true. */
  readonly playground?: PlaygroundConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`The configuration has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `NAME="value"` for an ordinary variable; a secret's value is never echoed, only its length. */
function describeValue(name: string, value: string | undefined): string {
  if ((SECRET_ENV_VARS as readonly string[]).includes(name)) return `${name} (value hidden, ${value?.length ?? 0} characters)`;
  return `${name}=${JSON.stringify(value ?? '')}`;
}

/** Empty values count as unset, as in most .env files. */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''));
}

function listModels(core: CoreConfig, problems: string[]): ModelEntry[] {
  if (core.MODELS !== undefined) {
    return core.MODELS.split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map((item) => {
        const [name = '', path] = item.split('=', 2).map((part) => part.trim());
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) problems.push(`MODELS: "${name}" is not a valid model name (letters, digits, . _ -)`);
        return { name, dir: resolve(path ?? join(core.MODELS_DIR, name)) };
      });
  }
  if (!existsSync(core.MODELS_DIR)) return [];
  return readdirSync(core.MODELS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(core.MODELS_DIR, entry.name, MODEL_INDEX_FILE)))
    .map((entry) => ({ name: entry.name, dir: resolve(core.MODELS_DIR, entry.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function hasAny(env: Record<string, string>, names: readonly string[]): boolean {
  return names.some((name) => env[name] !== undefined);
}

function collect<T>(problems: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

function readAdapters(defined: Record<string, string>, options: { playground?: boolean }, playgroundFlag: boolean, problems: string[]) {
  const observability = collect(problems, () => loadObservabilityConfig(defined));
  const discord = hasAny(defined, ['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID']) ? collect(problems, () => loadDiscordConfig(defined)) : undefined;
  const slack = hasAny(defined, ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) ? collect(problems, () => parseSlackConfig(defined)) : undefined;
  const wantPlayground = options.playground === true || playgroundFlag || (discord === undefined && slack === undefined);
  const playground = wantPlayground ? collect(problems, () => loadPlaygroundConfig(defined)) : undefined;
  return { observability, discord, slack, playground };
}

/**
 * Reads and validates everything. Models may be absent here (a first start downloads one); the
 * caller decides what to do about that.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv, options: { playground?: boolean } = {}): AppConfig {
  const defined = definedOnly(env);
  const problems: string[] = [];
  const parsed = coreSchema.safeParse(defined);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '');
      problems.push(`${describeValue(name, defined[name])}: ${issue.message}`);
    }
    // Check the adapters' variables too, so one run shows everything to fix.
    readAdapters(defined, options, false, problems);
    throw new ConfigError(problems);
  }
  const core = parsed.data;
  const models = listModels(core, problems);
  if (core.DEFAULT_MODEL !== undefined && models.length > 0 && !models.some((m) => m.name === core.DEFAULT_MODEL)) {
    problems.push(`DEFAULT_MODEL="${core.DEFAULT_MODEL}" is not one of the models (${models.map((m) => m.name).join(', ')})`);
  }
  if (core.INPAINT_MODEL !== undefined && models.length > 0 && !models.some((m) => m.name === core.INPAINT_MODEL)) {
    problems.push(`INPAINT_MODEL="${core.INPAINT_MODEL}" is not one of the models (${models.map((m) => m.name).join(', ')})`);
  }
  for (const model of models) {
    if (!existsSync(join(model.dir, MODEL_INDEX_FILE))) problems.push(`MODELS: ${model.name} → ${model.dir} has no ${MODEL_INDEX_FILE}; is it an ONNX model folder?`);
  }
  if (core.TAESD_DIR !== undefined && !existsSync(core.TAESD_DIR)) problems.push(`TAESD_DIR="${core.TAESD_DIR}" does not exist`);
  if (core.JOB_QUEUE === 'redis' && core.REDIS_URL === undefined) problems.push('JOB_QUEUE=redis needs REDIS_URL (redis://host:6379): the queue lives there');
  if (core.FAST_DECODE && core.TAESD_DIR === undefined) problems.push('FAST_DECODE=true needs TAESD_DIR: the fast decode uses the TAESD decoder');
  if (core.UPSCALER !== undefined && !existsSync(join(core.UPSCALERS_DIR, `${core.UPSCALER}.onnx`))) {
    problems.push(`UPSCALER="${core.UPSCALER}" has no ${core.UPSCALER}.onnx in UPSCALERS_DIR="${core.UPSCALERS_DIR}"`);
  }

  let commandsFile: unknown = {};
  if (core.COMMANDS_CONFIG !== undefined) {
    commandsFile = collect(problems, () => {
      try {
        return JSON.parse(readFileSync(core.COMMANDS_CONFIG!, 'utf8')) as unknown;
      } catch (error) {
        throw new Error(`COMMANDS_CONFIG="${core.COMMANDS_CONFIG}": ${(error as Error).message}`);
      }
    });
  }

  const { observability, discord, slack, playground } = readAdapters(defined, options, core.PLAYGROUND, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    core,
    models,
    defaultModel: core.DEFAULT_MODEL ?? models[0]?.name,
    commandsFile,
    observability: observability!,
    ...(discord ? { discord } : {}),
    ...(slack ? { slack } : {}),
    ...(playground ? { playground } : {}),
  };
}
