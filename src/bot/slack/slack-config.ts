// Slack settings from the environment, validated at start-up so a missing token fails loudly
// with a message that says which variable to set.
import { z } from 'zod';
import { envProblems } from '../env-problems.js';

export const DEFAULT_COMMAND = '/imagine';
/** chat.update is Tier 3 (about 50 a minute); 2 s apart leaves room for several jobs at once. */
export const DEFAULT_EDIT_INTERVAL_MS = 2000;
export const MIN_EDIT_INTERVAL_MS = 1000;
const MAX_PORT = 65_535;
/** HTTP mode listens on every interface unless told otherwise: Slack must reach it from outside. */
export const DEFAULT_SLACK_HOST = '0.0.0.0';
/** Slack command names: a slash, then up to 31 lower-case letters, digits, `-` or `_`. */
const COMMAND_PATTERN = /^\/[a-z0-9_-]{1,31}$/;

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((text) => TRUE_WORDS.includes(text) || FALSE_WORDS.includes(text), {
    message: `must be one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`,
  })
  .transform((text) => TRUE_WORDS.includes(text));

const wholeNumber = (range: z.ZodNumber) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(range);

/** An empty variable (`SLACK_PORT=`) means unset, as in most .env files. */
function blankToUndefined(env: unknown): unknown {
  if (typeof env !== 'object' || env === null) return env;
  return Object.fromEntries(Object.entries(env).filter(([, value]) => typeof value !== 'string' || value.trim() !== ''));
}

const envSchema = z.preprocess(
  blankToUndefined,
  z.object({
    SLACK_BOT_TOKEN: z
      .string({ error: 'is required: the bot token (xoxb-…) from OAuth & Permissions' })
      .trim()
      .startsWith('xoxb-', 'must be a bot token (xoxb-…)'),
    SLACK_APP_TOKEN: z.string().trim().startsWith('xapp-', 'must be an app-level token (xapp-…)').optional(),
    SLACK_SIGNING_SECRET: z.string().trim().optional(),
    SLACK_PORT: wholeNumber(z.number().int().min(1).max(MAX_PORT)).optional(),
    SLACK_HOST: z.string().trim().default(DEFAULT_SLACK_HOST),
    SLACK_MODE: z.enum(['socket', 'http']).optional(),
    SLACK_API_URL: z.url().optional(),
    SLACK_COMMAND: z
      .string()
      .trim()
      .regex(COMMAND_PATTERN, 'must look like /imagine (lower case, at most 32 characters)')
      .optional(),
    SLACK_EDIT_INTERVAL_MS: wholeNumber(z.number().int().min(MIN_EDIT_INTERVAL_MS)).optional(),
    SLACK_RESULTS_IN_THREAD: booleanFlag.optional(),
  }),
);

export type SlackConnection =
  | { readonly mode: 'socket'; readonly appToken: string }
  | { readonly mode: 'http'; readonly signingSecret: string; readonly port: number; readonly host: string };

export interface SlackConfig {
  readonly botToken: string;
  readonly connection: SlackConnection;
  /** Bolt's `clientOptions.slackApiUrl`, for tests and proxies. */
  readonly apiUrl?: string;
  readonly command: string;
  readonly editIntervalMs: number;
  /** Final images go into the thread of the bot's progress message (true) or the channel. */
  readonly resultsInThread: boolean;
}

export class SlackConfigError extends Error {
  override readonly name = 'SlackConfigError';
}

function connectionOf(env: z.output<typeof envSchema>): SlackConnection {
  const wantsHttp = env.SLACK_MODE === 'http' || (env.SLACK_MODE === undefined && env.SLACK_APP_TOKEN === undefined);
  if (!wantsHttp) {
    if (env.SLACK_APP_TOKEN === undefined) {
      throw new SlackConfigError('SLACK_MODE=socket needs SLACK_APP_TOKEN (an xapp- token with connections:write)');
    }
    return { mode: 'socket', appToken: env.SLACK_APP_TOKEN };
  }
  if (env.SLACK_SIGNING_SECRET === undefined || env.SLACK_PORT === undefined) {
    throw new SlackConfigError(
      'Set SLACK_APP_TOKEN for Socket Mode (recommended), or SLACK_SIGNING_SECRET and SLACK_PORT for HTTP mode',
    );
  }
  return { mode: 'http', signingSecret: env.SLACK_SIGNING_SECRET, port: env.SLACK_PORT, host: env.SLACK_HOST };
}

/**
 * Reads the SLACK_* variables. Socket Mode wins when SLACK_APP_TOKEN is set, since it needs no
 * public URL; SLACK_MODE=http forces HTTP mode when both are configured.
 */
export function parseSlackConfig(env: Readonly<Record<string, string | undefined>>): SlackConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new SlackConfigError(`Invalid Slack configuration: ${envProblems(parsed.error).join('; ')}`);
  const values = parsed.data;
  return {
    botToken: values.SLACK_BOT_TOKEN,
    connection: connectionOf(values),
    ...(values.SLACK_API_URL === undefined ? {} : { apiUrl: values.SLACK_API_URL }),
    command: values.SLACK_COMMAND ?? DEFAULT_COMMAND,
    editIntervalMs: values.SLACK_EDIT_INTERVAL_MS ?? DEFAULT_EDIT_INTERVAL_MS,
    resultsInThread: values.SLACK_RESULTS_IN_THREAD ?? true,
  };
}
