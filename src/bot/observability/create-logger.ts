// Structured JSON logs with pino. Secrets are kept out twice: pino masks well-known keys
// (token, authorization, …) and every finished line then goes through the secret scrubber,
// which also catches secrets inside messages, URLs and error text.
import pino from 'pino';
import { createSecretScrubber, REDACTED, secretValuesFromEnv } from './secret-scrubber.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** Object keys whose values are masked wherever they appear in the first levels of a log call. */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'accessToken',
  'signingSecret',
  'password',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
  ...['DISCORD_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'HF_TOKEN', 'REDIS_URL'],
];
/** pino's redaction has no "any depth" wildcard, so each key is listed at the depths that occur. */
const REDACT_DEPTH = 3;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const secretKey of SECRET_KEYS) {
    for (let depth = 0; depth <= REDACT_DEPTH; depth++) paths.push([...Array<string>(depth).fill('*'), secretKey].join('.'));
  }
  return paths;
}

export interface LoggerOptions {
  /** LOG_LEVEL; `info` by default. */
  readonly level?: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  readonly destination?: pino.DestinationStream;
  /** Secret values are taken from these variables (DISCORD_TOKEN, HF_TOKEN, …); process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** More values to mask, e.g. a token read from a file. */
  readonly secrets?: readonly string[];
  /** Fields on every line, e.g. { service: 'imagine' }. */
  readonly base?: Record<string, unknown>;
}

export type AppLogger = pino.Logger;

export function createLogger(options: LoggerOptions = {}): AppLogger {
  const scrub = createSecretScrubber([...secretValuesFromEnv(options.env ?? process.env), ...(options.secrets ?? [])]);
  const pinoOptions: pino.LoggerOptions = {
    level: options.level ?? DEFAULT_LOG_LEVEL,
    base: { pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    redact: { paths: redactPaths(), censor: REDACTED },
    hooks: { streamWrite: scrub },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
