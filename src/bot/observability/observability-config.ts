// Logging and metrics settings from the environment, validated at start-up with messages that
// name the variable and the expected form, like the platform adapters' settings.
import { z } from 'zod';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS } from './create-logger.js';
import type { LogLevel } from './create-logger.js';
import { DEFAULT_METRICS_HOST } from './metrics-server.js';

const MAX_PORT = 65_535;

const schema = z.object({
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
    .default(DEFAULT_LOG_LEVEL),
  METRICS_PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a port number from 1 to ${MAX_PORT}`)
    .transform(Number)
    .pipe(z.number().int().min(1, `must be a port number from 1 to ${MAX_PORT}`).max(MAX_PORT, `must be a port number from 1 to ${MAX_PORT}`))
    .optional(),
  METRICS_HOST: z.string().trim().min(1).default(DEFAULT_METRICS_HOST),
});

export interface ObservabilityConfig {
  readonly logLevel: LogLevel;
  /** Undefined: no metrics server. */
  readonly metrics?: { readonly port: number; readonly host: string };
}

/** Reads LOG_LEVEL, METRICS_PORT and METRICS_HOST; empty counts as unset. Throws naming every bad variable. */
export function loadObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const present = Object.fromEntries(
    ['LOG_LEVEL', 'METRICS_PORT', 'METRICS_HOST'].flatMap((key) => {
      const value = env[key];
      return value === undefined || value.trim() === '' ? [] : [[key, value]];
    }),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`Invalid logging/metrics settings:\n  ${problems.join('\n  ')}`);
  }
  const { LOG_LEVEL, METRICS_PORT, METRICS_HOST } = parsed.data;
  return { logLevel: LOG_LEVEL, ...(METRICS_PORT !== undefined ? { metrics: { port: METRICS_PORT, host: METRICS_HOST } } : {}) };
}
