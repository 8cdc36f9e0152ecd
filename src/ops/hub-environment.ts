// The Hugging Face client conventions this project follows: HF_TOKEN, else the token that
// `hf auth login` saved (HF_TOKEN_PATH, default $HF_HOME/token, HF_HOME defaulting to
// ~/.cache/huggingface), and HF_HUB_OFFLINE, which forbids any request to the Hub.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

const TRUTHY = new Set(['1', 'true', 'yes', 'on']);

export function isHubOffline(env: NodeJS.ProcessEnv): boolean {
  return TRUTHY.has((env['HF_HUB_OFFLINE'] ?? '').trim().toLowerCase());
}

/** An unset or blank variable counts as absent. */
function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

export function savedTokenPath(env: NodeJS.ProcessEnv): string {
  const cacheHome = present(env.XDG_CACHE_HOME) ?? join(homedir(), '.cache');
  const hfHome = present(env['HF_HOME']) ?? join(cacheHome, 'huggingface');
  return present(env['HF_TOKEN_PATH']) ?? join(hfHome, 'token');
}

/** `env` with HF_TOKEN filled from the saved token when it is not set and a token was saved. */
export async function withSavedHubToken(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (present(env['HF_TOKEN']) !== undefined) return env;
  let saved: string;
  try {
    saved = (await readFile(savedTokenPath(env), 'utf8')).trim();
  } catch {
    return env;
  }
  return saved === '' ? env : { ...env, HF_TOKEN: saved };
}
