// The part of the configuration the doctor checks, read from the environment with the bot's
// defaults. Empty variables count as unset, as in most .env files.
import { EXECUTION_PROVIDERS } from '../../pipeline/types.js';
import type { ExecutionProviderName } from '../../pipeline/types.js';

export const DEFAULT_MODELS_DIR = 'models';
export const DEFAULT_DATA_DIR = 'data';
export const DEFAULT_DISCORD_API_BASE = 'https://discord.com/api';
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';
const TRUE_WORDS = ['1', 'true', 'yes', 'on'];

export interface ConfiguredModel {
  readonly name: string;
  readonly dir: string;
}

export interface DoctorSettings {
  readonly modelsDir: string;
  /** From MODELS (`name` or `name=path`, comma-separated); undefined means "every folder in modelsDir". */
  readonly models?: readonly ConfiguredModel[];
  readonly defaultModel?: string;
  /** ONNX_PROVIDER as written; checked against the known providers by the provider check. */
  readonly provider: string;
  readonly allowCpuFallback: boolean;
  readonly dataDir: string;
  readonly redisUrl?: string;
  /** JOB_QUEUE as written: with `redis` the doctor lists the worker hosts. */
  readonly jobQueue?: string;
  readonly discordToken?: string;
  readonly discordApiBase: string;
  readonly slackBotToken?: string;
  readonly slackAppToken?: string;
  readonly slackApiUrl: string;
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const text = env[name]?.trim();
  return text === undefined || text === '' ? undefined : text;
}

function parseModels(list: string, modelsDir: string): ConfiguredModel[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const [name = '', path] = item.split('=', 2).map((part) => part.trim());
      return { name, dir: path ?? `${modelsDir}/${name}` };
    });
}

export function isKnownProvider(name: string): name is ExecutionProviderName {
  return (EXECUTION_PROVIDERS as readonly string[]).includes(name);
}

export function readDoctorSettings(env: NodeJS.ProcessEnv): DoctorSettings {
  const modelsDir = value(env, 'MODELS_DIR') ?? DEFAULT_MODELS_DIR;
  const models = value(env, 'MODELS');
  const optional = <K extends string>(key: K, text: string | undefined) => (text === undefined ? {} : ({ [key]: text } as Record<K, string>));
  return {
    modelsDir,
    ...(models !== undefined ? { models: parseModels(models, modelsDir) } : {}),
    ...optional('defaultModel', value(env, 'DEFAULT_MODEL')),
    provider: (value(env, 'ONNX_PROVIDER') ?? 'cpu').toLowerCase(),
    allowCpuFallback: TRUE_WORDS.includes((value(env, 'ONNX_ALLOW_CPU_FALLBACK') ?? '').toLowerCase()),
    dataDir: value(env, 'DATA_DIR') ?? DEFAULT_DATA_DIR,
    ...optional('redisUrl', value(env, 'REDIS_URL')),
    jobQueue: (value(env, 'JOB_QUEUE') ?? 'local').toLowerCase(),
    ...optional('discordToken', value(env, 'DISCORD_TOKEN')),
    discordApiBase: (value(env, 'DISCORD_API_BASE') ?? DEFAULT_DISCORD_API_BASE).replace(/\/+$/, ''),
    ...optional('slackBotToken', value(env, 'SLACK_BOT_TOKEN')),
    ...optional('slackAppToken', value(env, 'SLACK_APP_TOKEN')),
    slackApiUrl: (value(env, 'SLACK_API_URL') ?? DEFAULT_SLACK_API_URL).replace(/\/*$/, '/'),
  };
}
