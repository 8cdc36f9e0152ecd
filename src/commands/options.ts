// The shape of every command and option, as data. Adapters generate their slash-command
// registrations from it (Discord application commands, Slack manifest, playground form); the
// handlers read the same names from Invocation.options.
import { DEFAULT_HIRES_DENOISE, MAX_HIRES_SCALE, MAX_IMAGES_PER_REQUEST, MAX_LORAS_PER_REQUEST, MIN_HIRES_SCALE, SAMPLER_NAMES, type SamplerName } from '../pipeline/types.js';
import type { CommandsConfig } from './config.js';
import { largestMaxSteps } from './config-lookup.js';
import { FLAG_ALIASES, type FlagTarget } from './inline-flags.js';
import type { CommandName } from './invocation.js';
import {
  MAX_ASPECT_RATIO,
  MAX_CLIP_SKIP,
  MAX_GUIDANCE_SCALE,
  MAX_NEGATIVE_CHARS,
  MAX_PROMPT_CHARS,
  MAX_SEED,
  MAX_SIDE,
  MAX_STRENGTH,
  MAX_UPSCALER_NAME_CHARS,
  MIN_CLIP_SKIP,
  MIN_COUNT,
  MIN_GUIDANCE_SCALE,
  MIN_SEED,
  MIN_SIDE,
  MIN_STEPS,
  MIN_STRENGTH,
} from './limits.js';
import { messages } from './messages.js';
import { NO_STYLE } from './imagine.js';
import { SCOPE_KINDS, SCOPE_NSFW_POLICIES } from './scope-settings.js';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean' | 'attachment' | 'user';

export interface OptionChoice {
  readonly name: string;
  readonly value: string | number;
}

export interface OptionSpec {
  readonly name: string;
  readonly description: string;
  readonly type: OptionType;
  readonly required: boolean;
  readonly minValue?: number;
  readonly maxValue?: number;
  readonly maxLength?: number;
  readonly choices?: readonly OptionChoice[];
  /** The value used when the option is left out, where it does not depend on the model. */
  readonly default?: string | number;
  /** Suggestions come from autocompleteChoices() instead of a fixed list. */
  readonly autocomplete?: boolean;
  /** Inline flags that set the same option, e.g. `--ar`, `--aspect`. */
  readonly flags?: readonly string[];
}

export interface SubcommandSpec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
}

export interface CommandSpec {
  readonly name: CommandName;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly subcommands?: readonly SubcommandSpec[];
  /** Gated by config.adminUserKeys; adapters may also hide it from non-admins. */
  readonly adminOnly?: boolean;
}

/** Discord shows at most 25 fixed choices; longer lists switch to autocomplete. */
export const MAX_CHOICES = 25;

export function imagineOptions(config: CommandsConfig): OptionSpec[] {
  const text = messages.describe.imagine;
  const models = Object.keys(config.models);
  const styles = Object.keys(config.styles);
  const samplers = SAMPLER_NAMES.filter((name) => Object.values(config.models).some((model) => model.samplers.includes(name)));
  const defaultModel = config.models[config.defaultModel];
  const options: OptionSpec[] = [
    { name: 'prompt', description: text.prompt, type: 'string', required: true, maxLength: MAX_PROMPT_CHARS },
    { name: 'negative', description: text.negative, type: 'string', required: false, maxLength: MAX_NEGATIVE_CHARS, flags: flagsOf('negative') },
    { name: 'seed', description: text.seed, type: 'integer', required: false, minValue: MIN_SEED, maxValue: MAX_SEED, flags: flagsOf('seed') },
    {
      name: 'steps', description: text.steps(MIN_STEPS, largestMaxSteps(config)), type: 'integer', required: false,
      minValue: MIN_STEPS, maxValue: largestMaxSteps(config), flags: flagsOf('steps'),
    },
    {
      name: 'cfg', description: text.cfg(MIN_GUIDANCE_SCALE, MAX_GUIDANCE_SCALE), type: 'number', required: false,
      minValue: MIN_GUIDANCE_SCALE, maxValue: MAX_GUIDANCE_SCALE, flags: flagsOf('cfg'),
    },
    {
      name: 'sampler', description: text.sampler, type: 'string', required: false,
      choices: samplers.map((name: SamplerName) => ({ name: messages.samplerLabel(name), value: name })), flags: flagsOf('sampler'),
    },
    { name: 'ar', description: text.ar(MAX_ASPECT_RATIO), type: 'string', required: false, autocomplete: true, default: '1:1', flags: flagsOf('ar') },
    { name: 'size', description: text.size(MIN_SIDE, MAX_SIDE), type: 'string', required: false, flags: flagsOf('size') },
    {
      name: 'count', description: text.count(MIN_COUNT, MAX_IMAGES_PER_REQUEST), type: 'integer', required: false,
      minValue: MIN_COUNT, maxValue: MAX_IMAGES_PER_REQUEST, default: defaultModel?.defaultCount ?? MIN_COUNT, flags: flagsOf('count'),
    },
    { ...choiceOption('model', text.model, models), default: config.defaultModel, flags: flagsOf('model') },
    { name: 'image', description: text.image, type: 'attachment', required: false },
    { name: 'mask', description: text.mask, type: 'attachment', required: false },
    {
      name: 'strength', description: text.strength(MIN_STRENGTH, MAX_STRENGTH), type: 'number', required: false,
      minValue: MIN_STRENGTH, maxValue: MAX_STRENGTH, default: config.initImage.defaultStrength, flags: flagsOf('strength'),
    },
  ];
  options.push({ name: 'lora', description: text.lora(MAX_LORAS_PER_REQUEST), type: 'string', required: false, autocomplete: true, flags: flagsOf('lora') });
  if (styles.length > 0) options.push({ ...choiceOption('style', text.style, [...styles, NO_STYLE]), flags: flagsOf('style') });
  if (Object.values(config.models).some((model) => model.supportsClipSkip)) {
    options.push({
      name: 'clip-skip', description: text.clipSkip(MIN_CLIP_SKIP, MAX_CLIP_SKIP), type: 'integer', required: false,
      minValue: MIN_CLIP_SKIP, maxValue: MAX_CLIP_SKIP, flags: flagsOf('clip-skip'),
    });
  }
  options.push(
    {
      name: 'hires', description: text.hires(MIN_HIRES_SCALE, MAX_HIRES_SCALE), type: 'number', required: false,
      minValue: MIN_HIRES_SCALE, maxValue: MAX_HIRES_SCALE, flags: flagsOf('hires'),
    },
    {
      name: 'hires-steps', description: text.hiresSteps, type: 'integer', required: false,
      minValue: MIN_STEPS, maxValue: largestMaxSteps(config), flags: flagsOf('hires-steps'),
    },
    {
      name: 'hires-denoise', description: text.hiresDenoise(DEFAULT_HIRES_DENOISE), type: 'number', required: false,
      minValue: 0, maxValue: 1, default: DEFAULT_HIRES_DENOISE, flags: flagsOf('hires-denoise'),
    },
    { name: 'hires-upscaler', description: text.hiresUpscaler, type: 'string', required: false, maxLength: MAX_UPSCALER_NAME_CHARS, flags: flagsOf('hires-upscaler') },
    { name: 'upscaler', description: text.upscaler, type: 'string', required: false, maxLength: MAX_UPSCALER_NAME_CHARS, flags: flagsOf('upscaler') },
  );
  return options;
}

export function commandSpecs(config: CommandsConfig): CommandSpec[] {
  const describe = messages.describe;
  const imagine = imagineOptions(config);
  const settable = (name: string): OptionSpec | undefined => imagine.find((option) => option.name === name);
  const settingsOptions = ['sampler', 'steps', 'ar', 'size', 'negative', 'style']
    .map(settable)
    .filter((option): option is OptionSpec => option !== undefined)
    // Saved defaults are optional one by one, and "default" clears one, so no fixed choices or defaults.
    .map(({ default: _default, flags: _flags, ...option }) => ({
      ...option,
      ...(option.name === 'negative' ? { description: describe.settings.negative } : {}),
      ...(option.name === 'style' ? { description: describe.settings.style } : {}),
    }));
  const user = (required: boolean): OptionSpec => ({ name: 'user', description: describe.admin.user, type: 'user', required });
  return [
    { name: 'imagine', description: describe.commands.imagine, options: imagine },
    { name: 'queue', description: describe.commands.queue, options: [] },
    {
      name: 'settings',
      description: describe.commands.settings,
      options: [],
      subcommands: [
        { name: 'show', description: describe.settings.show, options: [] },
        { name: 'set', description: describe.settings.set, options: settingsOptions },
        { name: 'reset', description: describe.settings.reset, options: [] },
        {
          name: 'server',
          description: describe.settings.server,
          options: [
            { name: 'scope', description: describe.settings.scope, type: 'string', required: false, choices: SCOPE_KINDS.map((kind) => ({ name: kind, value: kind })) },
            { ...choiceOption('model', describe.settings.defaultModel, Object.keys(config.models)) },
            ...(Object.keys(config.styles).length > 0 ? [choiceOption('style', describe.settings.defaultStyle, Object.keys(config.styles))] : []),
            { name: 'models', description: describe.settings.models, type: 'string', required: false },
            { name: 'max-steps', description: describe.settings.maxSteps, type: 'integer', required: false, minValue: 1, maxValue: largestMaxSteps(config) },
            { name: 'max-count', description: describe.settings.maxCount, type: 'integer', required: false, minValue: 1, maxValue: MAX_IMAGES_PER_REQUEST },
            { name: 'nsfw', description: describe.settings.nsfw, type: 'string', required: false, choices: SCOPE_NSFW_POLICIES.map((policy) => ({ name: policy, value: policy })) },
            { name: 'reset', description: describe.settings.resetScope, type: 'boolean', required: false },
          ],
        },
      ],
    },
    { name: 'help', description: describe.commands.help, options: [] },
    {
      name: 'admin',
      description: describe.commands.admin,
      options: [],
      adminOnly: true,
      subcommands: [
        { name: 'limits', description: describe.admin.limits, options: [user(false)] },
        { name: 'ban', description: describe.admin.ban, options: [user(true)] },
        { name: 'unban', description: describe.admin.unban, options: [user(true)] },
        { name: 'pause', description: describe.admin.pause, options: [] },
        { name: 'resume', description: describe.admin.resume, options: [] },
        {
          name: 'cancel',
          description: describe.admin.cancel,
          options: [{ name: 'job', description: describe.admin.job, type: 'string', required: true }],
        },
      ],
    },
    { name: 'loras', description: describe.commands.loras, options: [] },
  ];
}

/** Fixed choices while they fit Discord's limit, autocomplete beyond it. */
function choiceOption(name: string, description: string, values: readonly string[]): OptionSpec {
  const base = { name, description, type: 'string' as const, required: false };
  return values.length <= MAX_CHOICES
    ? { ...base, choices: values.map((value) => ({ name: value, value })) }
    : { ...base, autocomplete: true };
}

function flagsOf(target: FlagTarget): string[] {
  return Object.entries(FLAG_ALIASES)
    .filter(([, aliasTarget]) => aliasTarget === target)
    .map(([alias]) => `--${alias}`);
}
