// The Discord adapter's settings, read from the environment once at start-up and validated with
// messages that say which variable is wrong and what it should look like.
import { z } from 'zod';

/** Discord recommends ≥ 1.5–2 s between edits of one message; previews land at this pace. */
export const DEFAULT_DISCORD_EDIT_INTERVAL_MS = 2000;
/** An interaction token accepts webhook calls for 15 minutes. */
export const DISCORD_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** Move to the bot's own channel message this long before the token runs out. */
export const DEFAULT_TOKEN_SWITCH_MARGIN_MS = 60 * 1000;
/** Attempts for the final delivery when Discord answers 5xx or 429 (on top of discord.js's own retries). */
export const DEFAULT_DELIVERY_ATTEMPTS = 4;

const MIN_EDIT_INTERVAL_MS = 50;
const MAX_EDIT_INTERVAL_MS = 60_000;
const MIN_TOKEN_LIFETIME_MS = 100;
const MAX_DELIVERY_ATTEMPTS = 10;
const SNOWFLAKE = /^\d{15,21}$/;

const intFromEnv = (min: number, max: number, fallback: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
};

const discordEnvSchema = z
  .object({
    DISCORD_TOKEN: z
      .string({ error: 'is required: the bot token from the Developer Portal (Bot → Reset Token)' })
      .trim()
      .min(1, 'is required: the bot token from the Developer Portal (Bot → Reset Token)'),
    DISCORD_APPLICATION_ID: z
      .string({ error: 'is required: the Application ID from the Developer Portal (General Information)' })
      .trim()
      .regex(SNOWFLAKE, 'must be the numeric Application ID from the Developer Portal (General Information)'),
    DISCORD_API_BASE: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8080/api (without /v10)' })
      .refine((url) => !/\/v\d+\/?$/.test(url), 'must not end in a version such as /v10; discord.js adds it')
      .optional(),
    DISCORD_GUILD_ID: z.string().trim().regex(SNOWFLAKE, 'must be a numeric server (guild) id').optional(),
    DISCORD_EDIT_INTERVAL_MS: intFromEnv(MIN_EDIT_INTERVAL_MS, MAX_EDIT_INTERVAL_MS, DEFAULT_DISCORD_EDIT_INTERVAL_MS),
    DISCORD_TOKEN_LIFETIME_MS: intFromEnv(MIN_TOKEN_LIFETIME_MS, DISCORD_TOKEN_LIFETIME_MS, DISCORD_TOKEN_LIFETIME_MS),
    DISCORD_TOKEN_SWITCH_MARGIN_MS: intFromEnv(0, DISCORD_TOKEN_LIFETIME_MS, DEFAULT_TOKEN_SWITCH_MARGIN_MS),
    DISCORD_DELIVERY_ATTEMPTS: intFromEnv(1, MAX_DELIVERY_ATTEMPTS, DEFAULT_DELIVERY_ATTEMPTS),
  })
  .refine((env) => env.DISCORD_TOKEN_SWITCH_MARGIN_MS < env.DISCORD_TOKEN_LIFETIME_MS, {
    path: ['DISCORD_TOKEN_SWITCH_MARGIN_MS'],
    message: 'must be shorter than DISCORD_TOKEN_LIFETIME_MS',
  });

export interface DiscordConfig {
  readonly token: string;
  readonly applicationId: string;
  /** REST base such as http://127.0.0.1:PORT/api; the gateway URL then comes from its /gateway/bot. */
  readonly apiBase?: string;
  /** Default guild for `discord:register`. */
  readonly guildId?: string;
  readonly editIntervalMs: number;
  readonly tokenLifetimeMs: number;
  readonly tokenSwitchMarginMs: number;
  readonly deliveryAttempts: number;
  /**
   * Where attachments may be downloaded from: Discord's CDN when absent. Not read from the
   * environment; only test wiring points it at a local fake.
   */
  readonly attachmentOrigins?: readonly string[];
}

/** Reads DISCORD_* variables; an empty variable counts as unset. Throws naming every bad variable. */
export function loadDiscordConfig(env: NodeJS.ProcessEnv = process.env): DiscordConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('DISCORD_') && value !== ''));
  const parsed = discordEnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`Invalid Discord settings:\n  ${problems.join('\n  ')}`);
  }
  const values = parsed.data;
  return {
    token: values.DISCORD_TOKEN,
    applicationId: values.DISCORD_APPLICATION_ID,
    ...(values.DISCORD_API_BASE !== undefined ? { apiBase: values.DISCORD_API_BASE.replace(/\/$/, '') } : {}),
    ...(values.DISCORD_GUILD_ID !== undefined ? { guildId: values.DISCORD_GUILD_ID } : {}),
    editIntervalMs: values.DISCORD_EDIT_INTERVAL_MS,
    tokenLifetimeMs: values.DISCORD_TOKEN_LIFETIME_MS,
    tokenSwitchMarginMs: values.DISCORD_TOKEN_SWITCH_MARGIN_MS,
    deliveryAttempts: values.DISCORD_DELIVERY_ATTEMPTS,
  };
}
