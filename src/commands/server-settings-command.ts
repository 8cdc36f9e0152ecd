// /settings server: show or change the defaults and bounds of this server (Discord guild, Slack
// workspace) or of this channel. Changing them takes Manage Server on Discord, being a workspace
// admin or owner on Slack, or a place in ADMINS.
//   Discord: /settings server scope:channel model:sd15 models:sd15,turbo max-steps:30 nsfw:withhold
//   Slack and the playground: settings server channel --model sd15 --models sd15,turbo --max-steps 30
import { isAdmin } from './admins.js';
import type { CommandDeps } from './command-deps.js';
import { largestMaxSteps } from './config-lookup.js';
import type { Requester } from './generate-request.js';
import type { Invocation, OptionValue } from './invocation.js';
import { MAX_COUNT } from './limits.js';
import { messages } from './messages.js';
import { parseChoice, parseWholeNumber } from './option-values.js';
import { errorReply } from './replies.js';
import type { Reply, ReplyField } from './reply.js';
import {
  SCOPE_KINDS,
  SCOPE_NSFW_POLICIES,
  SCOPE_SETTING_NAMES,
  effectiveScopeSettings,
  scopeKeyOf,
  type ScopeKind,
  type ScopeSettingName,
  type ScopeSettings,
} from './scope-settings.js';
import { UserFacingError, invalidOption } from './user-facing-error.js';

/** Option (and `--flag`) names, in the order they are shown. */
export const SERVER_OPTIONS = ['model', 'style', 'models', 'max-steps', 'max-count', 'nsfw'] as const;
type ServerOption = (typeof SERVER_OPTIONS)[number];
const OPTION_FIELD: Readonly<Record<ServerOption, ScopeSettingName>> = {
  model: 'model', style: 'style', models: 'models', 'max-steps': 'maxSteps', 'max-count': 'maxCount', nsfw: 'nsfw',
};
export const SCOPE_OPTION = 'scope';
export const RESET_OPTION = 'reset';
/** Typed as a value, clears that one setting. */
const CLEAR_WORDS = ['default', 'none', 'all'];
const LIST_SEPARATOR = /\s*,\s*/;
const WORDS = /\s+/;

export async function serverSettingsCommand(invocation: Invocation, rest: string, deps: Pick<CommandDeps, 'config' | 'scopes' | 'serverManagers'>): Promise<Reply> {
  try {
    return await run(invocation, rest, deps);
  } catch (error) {
    if (UserFacingError.is(error)) return errorReply(error);
    throw error;
  }
}

async function run(invocation: Invocation, rest: string, deps: Pick<CommandDeps, 'config' | 'scopes' | 'serverManagers'>): Promise<Reply> {
  const { requester } = invocation;
  const typed = readTyped(invocation.options, rest);
  const scope = typed.scope;
  const key = scopeKeyOf(requester, scope);
  if (key === undefined) {
    throw invalidOption(messages.serverSettings.noServer, { option: SCOPE_OPTION, value: scope, allowed: 'channel' });
  }
  const store = deps.scopes;
  if (store === undefined) throw new UserFacingError('forbidden', messages.serverSettings.unavailable);
  const current = await store.get(key);
  const changing = typed.reset || typed.changes.size > 0;
  if (!changing) return scopeReply(scope, current, await effectiveScopeSettings(store, requester), messages.serverSettings.showHint);
  await mayChange(requester, deps);
  const next = typed.reset ? {} : applyChanges(current, typed.changes, deps);
  await store.set(key, next);
  return scopeReply(scope, next, await effectiveScopeSettings(store, requester), typed.reset ? messages.serverSettings.cleared(scope) : messages.serverSettings.saved(scope));
}

/** Manage Server (Discord, from the interaction), the platform's word (Slack's admins and owners), or ADMINS. */
async function mayChange(requester: Requester, deps: Pick<CommandDeps, 'config' | 'serverManagers'>): Promise<void> {
  if (requester.canManageServer === true || isAdmin(deps.config, requester)) return;
  const role = deps.serverManagers === undefined ? 'member' : await deps.serverManagers.roleOf(requester);
  if (role === 'manager') return;
  // Fails closed: a role that could not be checked counts for nothing.
  throw new UserFacingError('forbidden', role === 'unknown' ? messages.serverSettings.roleUnknown(requester.platform) : messages.serverSettings.notAllowed(requester.platform));
}

interface Typed {
  readonly scope: ScopeKind;
  readonly reset: boolean;
  readonly changes: ReadonlyMap<ServerOption, { readonly label: string; readonly raw: OptionValue }>;
}

/** Slash options, or the words after `server`: an optional scope, `--option value` pairs and `--reset`. */
function readTyped(options: Invocation['options'], text: string): Typed {
  const changes = new Map<ServerOption, { label: string; raw: OptionValue }>();
  let scope: ScopeKind = 'server';
  let reset = options[RESET_OPTION] === true;
  const scopeOption = options[SCOPE_OPTION];
  if (scopeOption !== undefined && scopeOption !== '') scope = parseChoice(SCOPE_OPTION, scopeOption, SCOPE_KINDS);
  for (const name of SERVER_OPTIONS) {
    const raw = options[name];
    if (raw !== undefined && raw !== '') changes.set(name, { label: name, raw });
  }
  const words = text.trim() === '' ? [] : text.trim().split(WORDS);
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (i === 0 && (SCOPE_KINDS as readonly string[]).includes(word.toLowerCase())) {
      scope = word.toLowerCase() as ScopeKind;
      continue;
    }
    if (word === `--${RESET_OPTION}`) {
      reset = true;
      continue;
    }
    const name = SERVER_OPTIONS.find((option) => `--${option}` === word.toLowerCase());
    const value = words[i + 1];
    if (name === undefined || value === undefined || value.startsWith('--')) {
      throw invalidOption(messages.serverSettings.unknownWord(word), { option: 'text', value: word, allowed: SERVER_OPTIONS.map((o) => `--${o}`).join(', ') });
    }
    changes.set(name, { label: `--${name}`, raw: value });
    i += 1;
  }
  return { scope, reset, changes };
}

function applyChanges(current: ScopeSettings, changes: Typed['changes'], deps: Pick<CommandDeps, 'config'>): ScopeSettings {
  const { config } = deps;
  const next: { -readonly [K in ScopeSettingName]?: ScopeSettings[K] } = { ...current };
  const models = Object.keys(config.models);
  for (const [name, { label, raw }] of changes) {
    const field = OPTION_FIELD[name];
    if (typeof raw === 'string' && CLEAR_WORDS.includes(raw.trim().toLowerCase())) {
      delete next[field];
      continue;
    }
    switch (name) {
      case 'model':
        next.model = parseChoice(label, raw, models);
        break;
      case 'style':
        next.style = parseChoice(label, raw, Object.keys(config.styles));
        break;
      case 'models':
        next.models = [...new Set(String(raw).split(LIST_SEPARATOR).filter((item) => item !== '').map((item) => parseChoice(label, item, models)))];
        break;
      case 'max-steps':
        next.maxSteps = parseWholeNumber(label, raw, 1, largestMaxSteps(config));
        break;
      case 'max-count':
        next.maxCount = parseWholeNumber(label, raw, 1, MAX_COUNT);
        break;
      case 'nsfw':
        next.nsfw = parseChoice(label, raw, SCOPE_NSFW_POLICIES);
        break;
    }
  }
  if (next.model !== undefined && next.models !== undefined && !next.models.includes(next.model)) {
    throw invalidOption(messages.serverSettings.defaultNotAllowed(next.model, next.models), {
      option: 'model',
      value: next.model,
      allowed: next.models.join(', '),
    });
  }
  return next;
}

function scopeReply(scope: ScopeKind, saved: ScopeSettings, effective: ScopeSettings, text: string): Reply {
  const labels = messages.serverSettings.labels;
  const fields: ReplyField[] = SCOPE_SETTING_NAMES.map((name) => ({
    label: labels[name],
    value: displayValue(saved, name) ?? (displayValue(effective, name) === undefined ? messages.serverSettings.unset : messages.serverSettings.inherited(displayValue(effective, name) ?? '')),
    inline: true,
  }));
  return { kind: 'settings', title: messages.serverSettings.title(scope), text, fields, ephemeral: true };
}

export function displayValue(settings: ScopeSettings, name: ScopeSettingName): string | undefined {
  const value = settings[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
