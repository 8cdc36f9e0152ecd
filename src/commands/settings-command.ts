// /settings: show, set or reset a user's defaults for /imagine (sampler, steps, size or aspect,
// negative prompt, style). On Slack the text reads `set --steps 30 --ar 3:2 --no blurry`.
import { largestMaxSteps, findStyle } from './config-lookup.js';
import type { CommandDeps } from './command-deps.js';
import type { CommandsConfig } from './config.js';
import { serverSettingsCommand } from './server-settings-command.js';
import { NO_STYLE } from './imagine.js';
import { parseInlineFlags, type ValueFlagTarget } from './inline-flags.js';
import type { Invocation, OptionValue } from './invocation.js';
import { MAX_NEGATIVE_CHARS, MIN_STEPS } from './limits.js';
import { messages } from './messages.js';
import { echo, parseAspect, parseChoice, parseSampler, parseSize, parseText, parseWholeNumber } from './option-values.js';
import { userKeyOf } from './ports.js';
import { errorReply } from './replies.js';
import type { Reply, ReplyField } from './reply.js';
import { USER_SETTING_NAMES, type UserSettingName, type UserSettings } from './user-settings.js';
import { UserFacingError, invalidOption } from './user-facing-error.js';

export const SETTINGS_SUBCOMMANDS = ['show', 'set', 'reset', 'server'] as const;
export type SettingsSubcommand = (typeof SETTINGS_SUBCOMMANDS)[number];
/** Typed as a value, clears that one setting. */
export const CLEAR_VALUE = 'default';
/** Options `/settings set` accepts; `ar` and `size` both land in the saved size. */
const SETTABLE = ['sampler', 'steps', 'ar', 'size', 'negative', 'style'] as const;
type Settable = (typeof SETTABLE)[number];
const FLAG_TO_SETTABLE: Partial<Record<ValueFlagTarget, Settable>> = {
  sampler: 'sampler', steps: 'steps', ar: 'ar', size: 'size', style: 'style',
};
const FIRST_WORD = /^\s*(\S+)\s*([\s\S]*)$/;

export async function settingsCommand(invocation: Invocation, deps: Pick<CommandDeps, 'config' | 'settings' | 'scopes' | 'serverManagers'>): Promise<Reply> {
  const { config, settings: store } = deps;
  const user = userKeyOf(invocation.requester.platform, invocation.requester.userId);
  try {
    const { subcommand, rest } = splitSubcommand(invocation);
    if (subcommand === 'server') return await serverSettingsCommand(invocation, rest, deps);
    if (subcommand === 'reset') {
      await store.clear(user);
      return settingsReply({}, messages.settings.cleared);
    }
    const current = await store.get(user);
    if (subcommand === 'show') return settingsReply(current, messages.settings.clearHint);
    const changes = readChanges(invocation.options, rest);
    if (changes.size === 0) throw invalidOption(messages.settings.nothingToSave, { option: 'set', value: '', allowed: SETTABLE.join(', ') });
    const next = applyChanges(current, changes, config);
    await store.set(user, next);
    return settingsReply(next, messages.settings.saved);
  } catch (error) {
    if (UserFacingError.is(error)) return errorReply(error);
    throw error;
  }
}

export function settingsReply(settings: UserSettings, text: string): Reply {
  const labels = messages.settings.labels;
  const fields: ReplyField[] = USER_SETTING_NAMES.map((name) => ({
    label: labels[name],
    value: displayValue(settings, name),
    inline: name !== 'negative',
  }));
  return { kind: 'settings', title: messages.settings.title, text, fields, ephemeral: true };
}

function displayValue(settings: UserSettings, name: UserSettingName): string {
  if (name === 'sampler' && settings.sampler !== undefined) return messages.samplerLabel(settings.sampler);
  const value = settings[name];
  return value === undefined ? messages.settings.unset : String(value);
}

function splitSubcommand(invocation: Invocation): { readonly subcommand: SettingsSubcommand; readonly rest: string } {
  const text = invocation.text ?? '';
  const typed = invocation.subcommand ?? FIRST_WORD.exec(text)?.[1];
  const rest = invocation.subcommand === undefined ? FIRST_WORD.exec(text)?.[2] ?? '' : text;
  if (typed === undefined) return { subcommand: 'show', rest: '' };
  const subcommand = SETTINGS_SUBCOMMANDS.find((name) => name === typed.toLowerCase());
  if (subcommand === undefined) {
    throw invalidOption(messages.settings.unknownSubcommand(typed, SETTINGS_SUBCOMMANDS), {
      option: 'subcommand',
      value: typed,
      allowed: SETTINGS_SUBCOMMANDS.join(', '),
    });
  }
  return { subcommand, rest };
}

interface Change {
  readonly label: string;
  readonly raw: OptionValue;
}

/** Slash options and flags in the text; a slash option wins over a flag, as in /imagine. */
function readChanges(options: Invocation['options'], text: string): Map<Settable, Change> {
  const changes = new Map<Settable, Change>();
  const flags = parseInlineFlags(text);
  if (UserFacingError.is(flags)) throw flags;
  if (flags.prompt !== '') {
    throw invalidOption(messages.settings.strayText(flags.prompt), { option: 'text', value: flags.prompt, allowed: messages.settings.flagsAllowed });
  }
  for (const [target, flag] of Object.entries(flags.values) as [ValueFlagTarget, { flag: string; value: string }][]) {
    const settable = FLAG_TO_SETTABLE[target];
    if (settable === undefined) {
      throw invalidOption(messages.settings.notSavable(flag.flag, SETTABLE.join(', ')), {
        option: flag.flag,
        value: flag.value,
        allowed: SETTABLE.join(', '),
      });
    }
    changes.set(settable, { label: flag.flag, raw: flag.value });
  }
  if (flags.negative.length > 0) changes.set('negative', { label: '--no', raw: flags.negative.join(', ') });
  for (const name of SETTABLE) {
    const raw = options[name];
    if (raw !== undefined && raw !== '') changes.set(name, { label: name, raw });
  }
  if (changes.has('ar') && changes.has('size')) {
    const ar = echo(changes.get('ar')?.raw);
    const size = echo(changes.get('size')?.raw);
    throw invalidOption(messages.options.eitherOr('ar', 'size', ar, size), {
      option: 'size',
      value: size,
      allowed: messages.options.eitherOrAllowed('ar', 'size'),
    });
  }
  return changes;
}

function applyChanges(current: UserSettings, changes: ReadonlyMap<Settable, Change>, config: CommandsConfig): UserSettings {
  const next: { -readonly [K in UserSettingName]?: UserSettings[K] } = { ...current };
  for (const [name, { label, raw }] of changes) {
    const field: UserSettingName = name === 'ar' ? 'size' : name;
    const clears = typeof raw === 'string' && (raw.trim().toLowerCase() === CLEAR_VALUE || (name === 'style' && raw.trim().toLowerCase() === NO_STYLE));
    if (clears) {
      delete next[field];
      continue;
    }
    switch (name) {
      case 'sampler':
        next.sampler = parseSampler(label, raw);
        break;
      case 'steps':
        next.steps = parseWholeNumber(label, raw, MIN_STEPS, largestMaxSteps(config));
        break;
      case 'ar':
        parseAspect(label, raw);
        next.size = String(raw).trim().replace(/\s+/g, '');
        break;
      case 'size': {
        const size = parseSize(label, raw);
        next.size = `${size.width}x${size.height}`;
        break;
      }
      case 'negative':
        next.negative = parseText(label, raw, MAX_NEGATIVE_CHARS);
        break;
      case 'style': {
        const style = parseChoice(label, raw, Object.keys(config.styles));
        next.style = findStyle(config, style)?.name ?? style;
        break;
      }
    }
  }
  return next;
}
