// The playground's settings, read from the environment once at start-up. Loopback by default:
// the page drives the model, so exposing it beyond this machine must be a deliberate choice.
import { z } from 'zod';
import { envProblems } from '../env-problems.js';

export const DEFAULT_PLAYGROUND_HOST = '127.0.0.1';
export const DEFAULT_PLAYGROUND_PORT = 8787;
/** Previews every half second feel live in a browser; there is no platform rate limit to respect. */
export const DEFAULT_PLAYGROUND_EDIT_INTERVAL_MS = 500;
/** Messages kept for tabs that open later; older ones scroll away like in a busy channel. */
export const DEFAULT_PLAYGROUND_HISTORY_LIMIT = 200;
/** Final PNGs kept for display and download (about 0.5 MB each at 512²). */
export const DEFAULT_PLAYGROUND_IMAGE_LIMIT = 400;

const MAX_PORT = 65_535;

const intFromEnv = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const playgroundConfigSchema = z.object({
  PLAYGROUND_HOST: z.string().trim().min(1).default(DEFAULT_PLAYGROUND_HOST),
  // 0 asks the OS for a free port (tests).
  PLAYGROUND_PORT: intFromEnv(0, MAX_PORT, DEFAULT_PLAYGROUND_PORT),
  PLAYGROUND_EDIT_INTERVAL_MS: intFromEnv(0, 60_000, DEFAULT_PLAYGROUND_EDIT_INTERVAL_MS),
  PLAYGROUND_HISTORY_LIMIT: intFromEnv(1, 10_000, DEFAULT_PLAYGROUND_HISTORY_LIMIT),
  PLAYGROUND_IMAGE_LIMIT: intFromEnv(1, 100_000, DEFAULT_PLAYGROUND_IMAGE_LIMIT),
});

export interface PlaygroundConfig {
  readonly host: string;
  readonly port: number;
  readonly editIntervalMs: number;
  readonly historyLimit: number;
  readonly imageLimit: number;
}

/** Reads PLAYGROUND_* variables; an empty variable counts as unset. Throws naming the bad variable. */
export function loadPlaygroundConfig(env: NodeJS.ProcessEnv = process.env): PlaygroundConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith('PLAYGROUND_') && value !== ''),
  );
  const parsed = playgroundConfigSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid playground settings: ${envProblems(parsed.error).join('; ')}`);
  const values = parsed.data;
  return {
    host: values.PLAYGROUND_HOST,
    port: values.PLAYGROUND_PORT,
    editIntervalMs: values.PLAYGROUND_EDIT_INTERVAL_MS,
    historyLimit: values.PLAYGROUND_HISTORY_LIMIT,
    imageLimit: values.PLAYGROUND_IMAGE_LIMIT,
  };
}
