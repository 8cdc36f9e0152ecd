// A user's saved defaults for /imagine, and the port that stores them.
import { z } from 'zod';
import { SAMPLER_NAMES } from '../pipeline/types.js';
import { ABSOLUTE_MAX_STEPS, MAX_NEGATIVE_CHARS, MIN_STEPS } from './limits.js';
import type { UserKey } from './ports.js';

const MAX_SAVED_SIZE_CHARS = 20;
const MAX_SAVED_STYLE_CHARS = 64;

// A field that no longer validates (an older version wrote it, or limits changed) is dropped, not fatal.
export const userSettingsSchema = z.object({
  sampler: z.enum(SAMPLER_NAMES).optional().catch(undefined),
  steps: z.int().min(MIN_STEPS).max(ABSOLUTE_MAX_STEPS).optional().catch(undefined),
  /** An aspect ratio (`3:2`) or a size (`768x512`), as accepted by `--ar` / `--size`. */
  size: z.string().max(MAX_SAVED_SIZE_CHARS).optional().catch(undefined),
  negative: z.string().max(MAX_NEGATIVE_CHARS).optional().catch(undefined),
  style: z.string().max(MAX_SAVED_STYLE_CHARS).optional().catch(undefined),
});

export type UserSettings = Readonly<z.output<typeof userSettingsSchema>>;
export type UserSettingName = keyof UserSettings;
export const USER_SETTING_NAMES: readonly UserSettingName[] = ['sampler', 'steps', 'size', 'negative', 'style'];

export interface UserSettingsStore {
  /** The user's saved defaults; `{}` when there are none. */
  get(user: UserKey): Promise<UserSettings>;
  /** Replaces the user's saved defaults. */
  set(user: UserKey, settings: UserSettings): Promise<void>;
  clear(user: UserKey): Promise<void>;
}

/** Reads stored data defensively: anything that is not an object counts as no settings. */
export function parseStoredSettings(value: unknown): UserSettings {
  const parsed = userSettingsSchema.safeParse(value);
  if (!parsed.success) return {};
  return Object.fromEntries(Object.entries(parsed.data).filter(([, field]) => field !== undefined)) as UserSettings;
}
