// /imagine: what a person typed (slash options, inline flags, an attachment), their saved defaults
// and the config become one complete GenerateRequest, or a UserFacingError saying what to fix.
//
// Precedence per option: slash option > inline flag > saved setting > model default.
// A value that is wrong on its own (malformed, outside the option's range) is refused. A value that
// is fine in general but too much for the chosen model is lowered, and a note says so.
import type { SamplerName } from '../pipeline/types.js';
import type { CommandsConfig, ModelConfig, StyleConfig } from './config.js';
import { defaultModel, findModel, findStyle, largestMaxSteps } from './config-lookup.js';
import type { GenerateRequest, InitImageRef, RequestMask } from './generate-request.js';
import { parseInlineFlags, type ParsedFlags, type ValueFlagTarget } from './inline-flags.js';
import { hiresWithImage, resolveHires } from './hires-options.js';
import { checkInitImage, MASK_OPTION, type CheckedInitImage } from './init-image.js';
import type { Invocation, InvocationAttachment, OptionValue } from './invocation.js';
import {
  DEFAULT_MASK_BLUR,
  MAX_ASPECT_RATIO,
  MAX_CLIP_SKIP,
  MAX_COUNT,
  MAX_GUIDANCE_SCALE,
  MAX_NEGATIVE_CHARS,
  MAX_PROMPT_CHARS,
  MAX_SEED,
  MAX_STRENGTH,
  MIN_CLIP_SKIP,
  MIN_COUNT,
  MIN_GUIDANCE_SCALE,
  MIN_SEED,
  MIN_STEPS,
  MIN_STRENGTH,
} from './limits.js';
import { blocklistOf } from './blocklist.js';
import { resolveLoras } from './lora-choice.js';
import { extractLoraTags, parseLoraAsk } from './lora-tags.js';
import type { LoraEntry } from './ports.js';
import { messages } from './messages.js';
import { echo, parseChoice, parseDecimal, parseSampler, parseText, parseWholeNumber } from './option-values.js';
import { randomSeed } from './seeds.js';
import { parseSizeChoice, sizeSettingOption, type SizeChoice } from './size-setting.js';
import { fitSize, sameSize, sizeForAspect, snapSize, type Size } from './sizes.js';
import { allowedModels, boundedModel, countLoweredNote, modelRefusal, stepsLoweredNote, withScopeNsfwPolicy } from './scope-bounds.js';
import type { ScopeSettings } from './scope-settings.js';
import type { UserSettings } from './user-settings.js';
import { UserFacingError, invalidOption } from './user-facing-error.js';

/** `--style none` switches off a saved style for one request. */
export const NO_STYLE = 'none';
/** Where a style's prompt puts the user's prompt; without it the style text is appended. */
export const STYLE_PROMPT_PLACEHOLDER = '{prompt}';
const PROMPT_OPTION = 'prompt';
const NEGATIVE_OPTION = 'negative';
const LORA_OPTION = 'lora';
const LIST_SEPARATOR = ', ';

export interface ImagineContext {
  readonly config: CommandsConfig;
  /** The requester's saved defaults. */
  readonly settings: UserSettings;
  /** Uniform [0, 1), for random seeds. */
  readonly random: () => number;
  /** The server's and channel's defaults and bounds where the request was made. */
  readonly bounds?: ScopeSettings;
  /** The installed LoRAs; none when the bot has no LoRA folder. */
  readonly loras?: readonly LoraEntry[];
}

/** Never throws for bad input: a refusal comes back as a UserFacingError. */
export function buildImagineRequest(invocation: Invocation, context: ImagineContext): GenerateRequest | UserFacingError {
  try {
    return build(invocation, context);
  } catch (error) {
    if (UserFacingError.is(error)) return error;
    throw error;
  }
}

interface Source {
  /** The option as the user wrote it: `steps` or `--steps`. */
  readonly label: string;
  readonly raw: OptionValue;
}

function build(invocation: Invocation, context: ImagineContext): GenerateRequest {
  const { config, settings } = context;
  const slash = invocation.options;
  const flags = parseFlags(slash[PROMPT_OPTION] ?? invocation.text ?? '');
  const tagged = extractLoraTags(flags.prompt);
  const prompt = checkPrompt(tagged.prompt);
  if (blocklistOf(config).matches(prompt)) throw new UserFacingError('prompt_blocked', messages.moderation.blocked);

  const pick = (name: ValueFlagTarget): Source | undefined => {
    const explicit = slash[name];
    if (explicit !== undefined && explicit !== '') return { label: name, raw: explicit };
    const flag = flags.values[name];
    return flag === undefined ? undefined : { label: flag.flag, raw: flag.value };
  };
  const notes: string[] = [];

  const bounds = context.bounds ?? {};
  const modelName = resolveModel(pick('model'), config, bounds);
  const model = findModel(config, modelName) ?? defaultModel(config);

  const style = resolveStyle(pick('style'), settings, config, notes, bounds.style);
  const sampler = resolveSampler(pick('sampler'), settings, modelName, model, notes);
  const numInferenceSteps = resolveSteps(pick('steps'), settings, config, modelName, boundedModel(model, bounds), notes, bounds);
  const cfgSource = pick('cfg');
  const guidanceScale = cfgSource === undefined
    ? model.defaultGuidanceScale
    : parseDecimal(cfgSource.label, cfgSource.raw, MIN_GUIDANCE_SCALE, MAX_GUIDANCE_SCALE);
  const count = resolveCount(pick('count'), modelName, boundedModel(model, bounds), notes, bounds);
  const seedSource = pick('seed');
  const seed = seedSource === undefined
    ? randomSeed(context.random)
    : parseWholeNumber(seedSource.label, seedSource.raw, MIN_SEED, MAX_SEED);
  const clipSkip = resolveClipSkip(pick('clip-skip'), modelName, model, notes);

  const { image, mask: maskImage } = resolveImages(invocation, config, notes);
  const strengthSource = pick('strength');
  // Inpainting repaints the masked area from scratch unless told otherwise.
  const strength = strengthSource === undefined
    ? maskImage === undefined ? config.initImage.defaultStrength : MAX_STRENGTH
    : parseDecimal(strengthSource.label, strengthSource.raw, MIN_STRENGTH, MAX_STRENGTH);
  if (strengthSource !== undefined && image === undefined) notes.push(messages.notes.strengthWithoutImage);
  const init: InitImageRef | undefined = image === undefined
    ? undefined
    : { source: { kind: 'upload', data: image.data, filename: image.filename }, strength };
  const mask: RequestMask | undefined = maskImage === undefined
    ? undefined
    : { source: { kind: 'upload', data: maskImage.data, filename: maskImage.filename }, blur: DEFAULT_MASK_BLUR };

  const size = resolveSize(slash, flags, settings, image, modelName, model, notes);
  const hires = resolveHires(pick, size, model, modelName, notes);
  if (hires.hires !== undefined && init !== undefined) throw hiresWithImage();
  const negativePrompt = resolveNegative(slash[NEGATIVE_OPTION], settings, flags, style?.style);
  const loraAsks = [...tagged.asks, ...flags.loras.map((flag) => parseLoraAsk(`${flag.flag} ${flag.value}`, flag.value))];
  const slashLora = present(slash[LORA_OPTION]);
  if (slashLora !== undefined) loraAsks.push(parseLoraAsk(`${LORA_OPTION}: ${String(slashLora)}`, String(slashLora)));
  const loras = loraAsks.length === 0 ? [] : resolveLoras(loraAsks, context.loras ?? [], modelName, model.kind);

  return withScopeNsfwPolicy({
    prompt: applyStyle(prompt, style?.style),
    negativePrompt,
    seed,
    numInferenceSteps,
    guidanceScale,
    sampler,
    width: size.width,
    height: size.height,
    count,
    model: modelName,
    ...(clipSkip === undefined ? {} : { clipSkip }),
    ...(init === undefined ? {} : { init }),
    ...(mask === undefined ? {} : { mask }),
    ...hires,
    ...(loras.length === 0 ? {} : { loras }),
    origin: 'imagine',
    notes,
  }, bounds);
}

function parseFlags(raw: OptionValue): ParsedFlags {
  if (typeof raw !== 'string') {
    throw invalidOption(messages.options.text(PROMPT_OPTION, String(raw), MAX_PROMPT_CHARS), {
      option: PROMPT_OPTION,
      value: String(raw),
      allowed: messages.options.maxChars(MAX_PROMPT_CHARS),
    });
  }
  const flags = parseInlineFlags(raw);
  if (UserFacingError.is(flags)) throw flags;
  return flags;
}

function checkPrompt(prompt: string): string {
  if (prompt === '') {
    throw invalidOption(messages.options.emptyPrompt, { option: PROMPT_OPTION, value: '', allowed: messages.options.promptAllowed });
  }
  return parseText(PROMPT_OPTION, prompt, MAX_PROMPT_CHARS);
}

/**
 * The model asked for, else the channel's or server's default, else the configured default; where
 * the server allows only some models, one of those.
 */
function resolveModel(source: Source | undefined, config: CommandsConfig, bounds: ScopeSettings): string {
  const allowed = allowedModels(config, bounds);
  if (source !== undefined) {
    const chosen = parseChoice(source.label, source.raw, Object.keys(config.models));
    const refusal = modelRefusal(chosen, config, bounds, source.label);
    if (refusal !== undefined) throw refusal;
    return chosen;
  }
  const preferred = [bounds.model, config.defaultModel].find((name) => name !== undefined && allowed.includes(name));
  return preferred ?? allowed[0] ?? config.defaultModel;
}

function resolveStyle(
  source: Source | undefined,
  settings: UserSettings,
  config: CommandsConfig,
  notes: string[],
  serverStyle: string | undefined,
): { readonly name: string; readonly style: StyleConfig } | undefined {
  if (source !== undefined) {
    const choice = parseChoice(source.label, source.raw, [...Object.keys(config.styles), NO_STYLE]);
    return choice === NO_STYLE ? undefined : findStyle(config, choice);
  }
  if (settings.style === undefined) return serverStyle === undefined ? undefined : findStyle(config, serverStyle);
  const saved = findStyle(config, settings.style);
  if (saved === undefined) notes.push(messages.notes.savedStyleGone(settings.style));
  return saved;
}

function resolveSampler(
  source: Source | undefined,
  settings: UserSettings,
  modelName: string,
  model: ModelConfig,
  notes: string[],
): SamplerName {
  const wanted = source === undefined ? settings.sampler : parseSampler(source.label, source.raw);
  if (wanted === undefined || model.samplers.includes(wanted)) return wanted ?? model.defaultSampler;
  notes.push(messages.notes.samplerReplaced(wanted, model.defaultSampler, modelName));
  return model.defaultSampler;
}

/** `model`: already within the bounds, which the note names when they are what applies. */
function resolveSteps(
  source: Source | undefined,
  settings: UserSettings,
  config: CommandsConfig,
  modelName: string,
  model: ModelConfig,
  notes: string[],
  bounds: ScopeSettings,
): number {
  const wanted = source === undefined
    ? settings.steps ?? model.defaultSteps
    : parseWholeNumber(source.label, source.raw, MIN_STEPS, largestMaxSteps(config));
  if (wanted <= model.maxSteps) return wanted;
  notes.push(stepsLoweredNote(wanted, model.maxSteps, modelName, bounds));
  return model.maxSteps;
}

function resolveCount(source: Source | undefined, modelName: string, model: ModelConfig, notes: string[], bounds: ScopeSettings): number {
  if (source === undefined) return model.defaultCount;
  const wanted = parseWholeNumber(source.label, source.raw, MIN_COUNT, MAX_COUNT);
  if (wanted <= model.maxCount) return wanted;
  notes.push(countLoweredNote(wanted, model.maxCount, modelName, bounds));
  return model.maxCount;
}

function resolveClipSkip(source: Source | undefined, modelName: string, model: ModelConfig, notes: string[]): number | undefined {
  if (source === undefined) return undefined;
  const clipSkip = parseWholeNumber(source.label, source.raw, MIN_CLIP_SKIP, MAX_CLIP_SKIP);
  if (model.supportsClipSkip) return clipSkip;
  notes.push(messages.notes.clipSkipIgnored(modelName));
  return undefined;
}

/** A filename that says it is a mask (`mask.png`, `barn-mask.webp`), for platforms without named options. */
const MASK_FILENAME = /(?:^|[^a-z])mask(?:[^a-z]|$)/i;

export function namedLikeMask(filename: string): boolean {
  return MASK_FILENAME.test(filename);
}

/**
 * The init image and its mask among the attachments: the mask is the one sent as the `mask`
 * option, or named like a mask; the image is the first other one.
 */
function resolveImages(
  invocation: Invocation,
  config: CommandsConfig,
  notes: string[],
): { readonly image?: CheckedInitImage; readonly mask?: CheckedInitImage } {
  const isMask = (attachment: InvocationAttachment): boolean =>
    attachment.option === undefined ? namedLikeMask(attachment.filename) : attachment.option === MASK_OPTION;
  const maskAttachment = invocation.attachments.find(isMask);
  const [first, ...others] = invocation.attachments.filter((attachment) => attachment !== maskAttachment);
  if (others.length > 0) notes.push(messages.notes.extraAttachmentsIgnored(others.length));
  const image = first === undefined ? undefined : checkInitImage(first, config.initImage);
  if (maskAttachment === undefined) return image === undefined ? {} : { image };
  if (image === undefined) {
    throw invalidOption(messages.image.maskWithoutImage(echo(maskAttachment.filename)), {
      option: MASK_OPTION,
      value: echo(maskAttachment.filename),
      allowed: messages.image.maskAllowed,
    });
  }
  return { image, mask: checkInitImage(maskAttachment, config.initImage, MASK_OPTION) };
}

function resolveSize(
  slash: Invocation['options'],
  flags: ParsedFlags,
  settings: UserSettings,
  image: CheckedInitImage | undefined,
  modelName: string,
  model: ModelConfig,
  notes: string[],
): Size {
  const choice = sizeChoice(slash, flags, settings, notes);
  if (choice?.kind === 'size') {
    const snapped = snapSize(choice.size);
    if (!sameSize(snapped, choice.size)) notes.push(messages.notes.sizeRounded(snapped));
    const fitted = fitSize(snapped, model.maxPixels);
    if (!sameSize(fitted, snapped)) notes.push(messages.notes.sizeLowered(snapped, fitted, modelName));
    return fitted;
  }
  if (choice?.kind === 'aspect') return sizeForAspect(choice.ratio, model.nativePixels);
  const { width, height } = image?.header ?? {};
  if (width !== undefined && height !== undefined) {
    // An img2img request keeps the shape of its image unless told otherwise.
    const ratio = Math.min(Math.max(width / height, 1 / MAX_ASPECT_RATIO), MAX_ASPECT_RATIO);
    return sizeForAspect(ratio, model.nativePixels);
  }
  return sizeForAspect(1, model.nativePixels);
}

function sizeChoice(
  slash: Invocation['options'],
  flags: ParsedFlags,
  settings: UserSettings,
  notes: string[],
): SizeChoice | undefined {
  const slashAr = present(slash.ar);
  const slashSize = present(slash.size);
  if (slashAr !== undefined && slashSize !== undefined) {
    throw invalidOption(messages.options.eitherOr('ar', 'size', echo(slashAr), echo(slashSize)), {
      option: 'size',
      value: echo(slashSize),
      allowed: messages.options.eitherOrAllowed('ar', 'size'),
    });
  }
  if (slashAr !== undefined) return parseSizeChoice('ar', 'ar', slashAr);
  if (slashSize !== undefined) return parseSizeChoice('size', 'size', slashSize);
  if (flags.values.ar !== undefined) return parseSizeChoice('ar', flags.values.ar.flag, flags.values.ar.value);
  if (flags.values.size !== undefined) return parseSizeChoice('size', flags.values.size.flag, flags.values.size.value);
  if (settings.size === undefined) return undefined;
  try {
    return parseSizeChoice(sizeSettingOption(settings.size), messages.settings.savedLabel, settings.size);
  } catch {
    notes.push(messages.notes.savedSizeIgnored(settings.size));
    return undefined;
  }
}

function resolveNegative(
  slashNegative: OptionValue,
  settings: UserSettings,
  flags: ParsedFlags,
  style: StyleConfig | undefined,
): string {
  const explicit = present(slashNegative);
  const base = explicit === undefined ? settings.negative : parseText(NEGATIVE_OPTION, explicit, MAX_NEGATIVE_CHARS);
  // `--no` always adds to the negative prompt, whether it came from the slash option or from settings.
  const mine = [base ?? '', ...flags.negative].filter((part) => part !== '').join(LIST_SEPARATOR);
  const label = flags.negative.length > 0 ? '--no' : NEGATIVE_OPTION;
  parseText(label, mine, MAX_NEGATIVE_CHARS);
  return [mine, style?.negative ?? ''].filter((part) => part !== '').join(LIST_SEPARATOR);
}

function applyStyle(prompt: string, style: StyleConfig | undefined): string {
  if (style === undefined || style.prompt === '') return prompt;
  if (style.prompt.includes(STYLE_PROMPT_PLACEHOLDER)) return style.prompt.replaceAll(STYLE_PROMPT_PLACEHOLDER, prompt);
  return `${prompt}${LIST_SEPARATOR}${style.prompt}`;
}

function present(value: OptionValue): OptionValue {
  return value === '' ? undefined : value;
}
