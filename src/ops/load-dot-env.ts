// Operator commands read the same .env as `npm start`; variables already set in the shell win.
import { existsSync } from 'node:fs';

export const DOT_ENV_FILE = '.env';

/** Loads `file` into process.env when it exists; returns whether it did. */
export function loadDotEnv(file: string = DOT_ENV_FILE): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
