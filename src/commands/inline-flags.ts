// Midjourney-style flags inside a prompt: `a fox in snow --ar 3:2 --seed 42 --no text, watermark`.
//
// The rules, precisely:
// - A flag starts with `--` at the start of the text or right after whitespace, followed by a
//   letter. Its name runs to the next whitespace or `=`. "rock--paper", "a -- b" and "--5" are text.
// - Phones turn `--` into an em or en dash, so `—ar` / `–ar` count too, but only for known names;
//   any other dashed word stays text.
// - An unknown `--name` is refused. `\--name` keeps a literal `--name` in the prompt.
// - Most flags take one value: the next word (or `"a quoted value"`, or `--seed=42`), without a
//   trailing comma. Words after it go back to the prompt, so flags may sit anywhere in it.
// - `--no` takes all the text up to the next flag; several `--no` add up.
// - `--lora NAME[:WEIGHT]` may be given several times, one LoRA each.
// - A flag given twice is refused, and so are `--ar` with `--size`.
import { UserFacingError, invalidOption } from './user-facing-error.js';
import { messages } from './messages.js';

export const FLAG_TARGETS = [
  'ar', 'size', 'seed', 'steps', 'cfg', 'sampler', 'count', 'model', 'style', 'strength', 'clip-skip', 'negative', 'lora',
  'hires', 'hires-steps', 'hires-denoise', 'hires-upscaler', 'upscaler',
] as const;
export type FlagTarget = (typeof FLAG_TARGETS)[number];
/** Flags that may appear once; `--no` and `--lora` may repeat. */
export type ValueFlagTarget = Exclude<FlagTarget, 'negative' | 'lora'>;

/** Flag names as typed (lower-cased) → the option they set. */
export const FLAG_ALIASES: Readonly<Record<string, FlagTarget>> = {
  ar: 'ar',
  aspect: 'ar',
  size: 'size',
  seed: 'seed',
  steps: 'steps',
  cfg: 'cfg',
  sampler: 'sampler',
  n: 'count',
  count: 'count',
  model: 'model',
  style: 'style',
  strength: 'strength',
  'clip-skip': 'clip-skip',
  clipskip: 'clip-skip',
  no: 'negative',
  lora: 'lora',
  hires: 'hires',
  'hires-steps': 'hires-steps',
  'hires-denoise': 'hires-denoise',
  'hires-upscaler': 'hires-upscaler',
  upscaler: 'upscaler',
};

/** The canonical flag of each option, for help texts and error messages. */
export const CANONICAL_FLAGS: Readonly<Record<FlagTarget, string>> = {
  ar: '--ar', size: '--size', seed: '--seed', steps: '--steps', cfg: '--cfg', sampler: '--sampler', count: '--n',
  model: '--model', style: '--style', strength: '--strength', 'clip-skip': '--clip-skip', negative: '--no', lora: '--lora',
  hires: '--hires', 'hires-steps': '--hires-steps', 'hires-denoise': '--hires-denoise', 'hires-upscaler': '--hires-upscaler', upscaler: '--upscaler',
};

export interface FlagValue {
  /** The flag as typed, e.g. `--n`, so refusals quote what the user wrote. */
  readonly flag: string;
  readonly value: string;
}

export interface ParsedFlags {
  /** The prompt with every flag and its value removed. */
  readonly prompt: string;
  /** Texts of the `--no` flags, in order. */
  readonly negative: readonly string[];
  /** Every `--lora` value, in order. */
  readonly loras: readonly FlagValue[];
  readonly values: Readonly<Partial<Record<ValueFlagTarget, FlagValue>>>;
}

// A dash run at the start or after whitespace, followed by a letter; `\` escapes it.
const MARKER = /(?<=^|\s)(\\?)(--|\u2014|\u2013)(?=[A-Za-z])/gu;
const NAME_END = /[\s=]/u;
const LEADING_NAME = /^[a-z][a-z-]*/;
const OPENING_QUOTES: Readonly<Record<string, string>> = { '"': '"', '\u201c': '\u201d', '\u201e': '\u201c' };
const JOIN_WITHOUT_SPACE = /^[,.;:!?)]/u;
const TRAILING_SEPARATORS = /[,;]+$/u;
const EDGE_JUNK = /^[\s,]+|[\s,]+$/gu;
const ESCAPED_MARKER = /(?<=^|\s)\\(?=(?:--|\u2014|\u2013)[A-Za-z])/gu;

interface FlagToken {
  readonly start: number;
  /** Index just after the name (at `=`, whitespace or the end). */
  readonly nameEnd: number;
  readonly typed: string;
  readonly target: FlagTarget;
}

/** Splits flags out of `text`. Never throws: bad flags come back as a UserFacingError. */
export function parseInlineFlags(text: string): ParsedFlags | UserFacingError {
  const tokens = findFlags(text);
  if (UserFacingError.is(tokens)) return tokens;

  const promptParts: string[] = [text.slice(0, tokens[0]?.start ?? text.length)];
  const negative: string[] = [];
  const loras: FlagValue[] = [];
  const values: Partial<Record<ValueFlagTarget, FlagValue>> = {};

  for (const [index, token] of tokens.entries()) {
    const regionEnd = tokens[index + 1]?.start ?? text.length;
    const taken = takeValue(text, token, regionEnd);
    if (UserFacingError.is(taken)) return taken;
    promptParts.push(taken.rest);
    if (token.target === 'negative') {
      negative.push(removeEscapeMarkers(taken.value));
      continue;
    }
    if (token.target === 'lora') {
      loras.push({ flag: token.typed, value: taken.value });
      continue;
    }
    if (values[token.target] !== undefined) return duplicate(token.typed);
    values[token.target] = { flag: token.typed, value: taken.value };
  }

  if (values.ar !== undefined && values.size !== undefined) {
    return invalidOption(messages.options.eitherOr(values.ar.flag, values.size.flag, values.ar.value, values.size.value), {
      option: values.size.flag,
      value: values.size.value,
      allowed: messages.options.eitherOrAllowed(values.ar.flag, values.size.flag),
    });
  }
  return { prompt: removeEscapeMarkers(joinPrompt(promptParts)), negative, loras, values };
}

function findFlags(text: string): FlagToken[] | UserFacingError {
  const tokens: FlagToken[] = [];
  for (const match of text.matchAll(MARKER)) {
    if (match[1] === '\\') continue;
    const dashes = match[2] ?? '--';
    const nameStart = match.index + dashes.length;
    const nameEnd = indexOfOrEnd(text, NAME_END, nameStart);
    const name = text.slice(nameStart, nameEnd).toLowerCase();
    const typed = `${dashes}${text.slice(nameStart, nameEnd)}`;
    const target = Object.hasOwn(FLAG_ALIASES, name) ? FLAG_ALIASES[name] : undefined;
    if (target !== undefined) {
      tokens.push({ start: match.index, nameEnd, typed, target });
      continue;
    }
    // A dashed word that is no flag is prose ("wait —really"); a double hyphen is a typo to point out.
    if (dashes === '--') return unknownFlag(typed, name);
  }
  return tokens;
}

function unknownFlag(typed: string, name: string): UserFacingError {
  const allowed = Object.values(CANONICAL_FLAGS).join(', ');
  const stuck = LEADING_NAME.exec(name)?.[0];
  const message =
    stuck !== undefined && Object.hasOwn(FLAG_ALIASES, stuck)
      ? messages.flags.needsSpace(typed, `--${stuck}`)
      : messages.flags.unknown(typed, allowed);
  return invalidOption(message, { option: typed, value: typed, allowed });
}

function duplicate(typed: string): UserFacingError {
  return invalidOption(messages.flags.duplicate(typed), { option: typed, value: typed, allowed: messages.flags.onceEach });
}

/** Reads the value after a flag; what follows a one-word value goes back to the prompt. */
function takeValue(
  text: string,
  token: FlagToken,
  regionEnd: number,
): { readonly value: string; readonly rest: string } | UserFacingError {
  const afterName = token.nameEnd;
  const hasEquals = text[afterName] === '=';
  const region = text.slice(hasEquals ? afterName + 1 : afterName, regionEnd);
  const missing = (): UserFacingError =>
    invalidOption(messages.flags.missingValue(token.typed, messages.flags.example(token.target)), {
      option: token.typed,
      value: '',
      allowed: messages.flags.example(token.target),
    });

  if (token.target === 'negative') {
    const value = stripQuotes(region.replace(EDGE_JUNK, ''));
    return value === '' ? missing() : { value, rest: '' };
  }
  const leading = region.length - region.trimStart().length;
  const body = region.slice(leading);
  const close = OPENING_QUOTES[body[0] ?? ''];
  if (close !== undefined) {
    const end = body.indexOf(close, 1);
    if (end < 0) {
      return invalidOption(messages.flags.unclosedQuote(token.typed), {
        option: token.typed,
        value: body,
        allowed: messages.flags.example(token.target),
      });
    }
    const value = body.slice(1, end).trim();
    return value === '' ? missing() : { value, rest: body.slice(end + 1) };
  }
  // A comma after a one-word value is the prompt's ("--seed 3, in snow"), not the value's.
  const end = indexOfOrEnd(body, /\s/u, 0);
  const word = body.slice(0, end);
  const value = word.replace(TRAILING_SEPARATORS, '');
  return value === '' ? missing() : { value, rest: body.slice(value.length) };
}

function joinPrompt(parts: readonly string[]): string {
  let prompt = '';
  for (const part of parts) {
    const piece = part.trim();
    if (piece === '') continue;
    prompt = prompt === '' || JOIN_WITHOUT_SPACE.test(piece) ? `${prompt}${piece}` : `${prompt} ${piece}`;
  }
  return prompt.replace(EDGE_JUNK, '');
}

function stripQuotes(value: string): string {
  const close = OPENING_QUOTES[value[0] ?? ''];
  return close !== undefined && value.length > 1 && value.endsWith(close) ? value.slice(1, -1).trim() : value;
}

function removeEscapeMarkers(text: string): string {
  return text.replace(ESCAPED_MARKER, '');
}

function indexOfOrEnd(text: string, pattern: RegExp, from: number): number {
  const found = text.slice(from).search(pattern);
  return found < 0 ? text.length : from + found;
}
