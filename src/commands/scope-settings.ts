// Defaults and bounds a server (Discord guild, Slack workspace) or one of its channels sets for
// /imagine: default model and style, which models are allowed, the most steps and images per job,
// and what happens to images the safety checker flags. A channel's value wins over its server's;
// a user's own /settings apply within these bounds.
import { z } from 'zod';
import { MAX_IMAGES_PER_REQUEST } from '../pipeline/types.js';
import type { Platform, Requester } from './generate-request.js';
import { ABSOLUTE_MAX_STEPS } from './limits.js';

/** `allow` shows flagged images as an age-restricted channel would; the others follow NSFW_POLICY's words. */
export const SCOPE_NSFW_POLICIES = ['allow', 'spoiler', 'withhold'] as const;
export type ScopeNsfwPolicy = (typeof SCOPE_NSFW_POLICIES)[number];
export const SCOPE_KINDS = ['server', 'channel'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

const MAX_NAME_CHARS = 64;
const MAX_ALLOWED_MODELS = 50;

// A field that no longer validates is dropped, not fatal, as with user settings.
export const scopeSettingsSchema = z.object({
  model: z.string().max(MAX_NAME_CHARS).optional().catch(undefined),
  style: z.string().max(MAX_NAME_CHARS).optional().catch(undefined),
  models: z.array(z.string().max(MAX_NAME_CHARS)).min(1).max(MAX_ALLOWED_MODELS).optional().catch(undefined),
  maxSteps: z.int().min(1).max(ABSOLUTE_MAX_STEPS).optional().catch(undefined),
  maxCount: z.int().min(1).max(MAX_IMAGES_PER_REQUEST).optional().catch(undefined),
  nsfw: z.enum(SCOPE_NSFW_POLICIES).optional().catch(undefined),
});
export type ScopeSettings = Readonly<z.output<typeof scopeSettingsSchema>>;
export type ScopeSettingName = keyof ScopeSettings;
export const SCOPE_SETTING_NAMES: readonly ScopeSettingName[] = ['model', 'style', 'models', 'maxSteps', 'maxCount', 'nsfw'];

/** `discord:server:<guild>`, `slack:channel:<channel>`. */
export type ScopeKey = `${Platform}:${ScopeKind}:${string}`;

export interface ScopeSettingsStore {
  get(scope: ScopeKey): Promise<ScopeSettings>;
  set(scope: ScopeKey, settings: ScopeSettings): Promise<void>;
  clear(scope: ScopeKey): Promise<void>;
}

/** The key of a requester's server or channel; undefined for the server scope of a DM. */
export function scopeKeyOf(requester: Requester, kind: ScopeKind): ScopeKey | undefined {
  if (kind === 'server') return requester.guildId === undefined ? undefined : `${requester.platform}:server:${requester.guildId}`;
  return `${requester.platform}:channel:${requester.channelId}`;
}

/** What applies where the requester is: the channel's values over the server's. */
export async function effectiveScopeSettings(store: ScopeSettingsStore | undefined, requester: Requester): Promise<ScopeSettings> {
  if (store === undefined) return {};
  const server = scopeKeyOf(requester, 'server');
  const channel = scopeKeyOf(requester, 'channel');
  const [serverSettings, channelSettings] = await Promise.all([
    server === undefined ? Promise.resolve({}) : store.get(server),
    channel === undefined ? Promise.resolve({}) : store.get(channel),
  ]);
  return { ...serverSettings, ...channelSettings };
}

export function parseStoredScopeSettings(value: unknown): ScopeSettings {
  const parsed = scopeSettingsSchema.safeParse(value);
  if (!parsed.success) return {};
  return Object.fromEntries(Object.entries(parsed.data).filter(([, field]) => field !== undefined)) as ScopeSettings;
}
