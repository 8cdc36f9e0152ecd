// Parsers for single option values, shared by slash options, inline flags and saved settings.
// Each takes the option as the user wrote it (`steps` or `--steps`) so a refusal can quote it.
import { SAMPLER_NAMES, type SamplerName } from '../pipeline/types.js';
import { MAX_ASPECT_RATIO, MAX_SIDE, MIN_SIDE } from './limits.js';
import type { OptionValue } from './invocation.js';
import { invalidOption } from './user-facing-error.js';
import { messages } from './messages.js';
import { clipText } from './clip-text.js';

const WHOLE_NUMBER = /^\+?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const ASPECT = /^(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)$/;
const SIZE = /^(\d+)\s*[x×*]\s*(\d+)$/i;
const SQUARE_SIZE = /^\d+$/;
/** Longest value echoed back in a refusal, so a pasted essay does not flood the reply. */
const MAX_ECHO_CHARS = 60;

/** The value as the user typed it, shortened for echoing. */
export function echo(raw: OptionValue): string {
  const text = String(raw ?? '').trim();
  return clipText(text, MAX_ECHO_CHARS);
}

export function parseWholeNumber(label: string, raw: OptionValue, min: number, max: number): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const value = WHOLE_NUMBER.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
  throw invalidOption(messages.options.wholeNumber(label, echo(raw), min, max), {
    option: label,
    value: echo(raw),
    allowed: messages.options.range(min, max),
  });
}

export function parseDecimal(label: string, raw: OptionValue, min: number, max: number): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const value = DECIMAL.test(text) || typeof raw === 'number' ? Number(text) : Number.NaN;
  if (Number.isFinite(value) && value >= min && value <= max) return value;
  throw invalidOption(messages.options.decimal(label, echo(raw), min, max), {
    option: label,
    value: echo(raw),
    allowed: messages.options.range(min, max),
  });
}

/** Case-insensitive pick from `choices`; returns the choice as configured. */
export function parseChoice<T extends string>(label: string, raw: OptionValue, choices: readonly T[]): T {
  const wanted = typeof raw === 'string' ? fold(raw) : undefined;
  const found = choices.find((choice) => fold(choice) === wanted);
  if (found !== undefined) return found;
  throw invalidOption(messages.options.choice(label, echo(raw), choices), {
    option: label,
    value: echo(raw),
    allowed: messages.options.list(choices),
  });
}

/** Sampler names, or their labels typed loosely: "Euler a", "DPM++ 2M Karras", "dpmpp-2m". */
export function parseSampler(label: string, raw: OptionValue, allowed: readonly SamplerName[] = SAMPLER_NAMES): SamplerName {
  const normalized = typeof raw === 'string' ? normalizeSampler(raw) : raw;
  return parseChoice(label, normalized, allowed);
}

export function normalizeSampler(text: string): string {
  return fold(text).replace(/\+\+/g, 'pp').replace(/[\s-]+/g, '_');
}

/** `W:H`, each part a positive number, no wider than MAX_ASPECT_RATIO either way. Returns W/H. */
export function parseAspect(label: string, raw: OptionValue): number {
  const match = typeof raw === 'string' ? ASPECT.exec(raw.trim()) : null;
  const ratio = match === null ? Number.NaN : Number(match[1]) / Number(match[2]);
  if (Number.isFinite(ratio) && ratio > 0 && withinAspect(ratio)) return ratio;
  throw invalidOption(messages.options.aspect(label, echo(raw), MAX_ASPECT_RATIO), {
    option: label,
    value: echo(raw),
    allowed: messages.options.aspectAllowed(MAX_ASPECT_RATIO),
  });
}

/** `WxH` (or one number for a square), each side MIN_SIDE–MAX_SIDE, no wider than MAX_ASPECT_RATIO. */
export function parseSize(label: string, raw: OptionValue): { readonly width: number; readonly height: number } {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const match = SIZE.exec(text);
  const [width, height] =
    match !== null ? [Number(match[1]), Number(match[2])] : SQUARE_SIZE.test(text) ? [Number(text), Number(text)] : [0, 0];
  const sideOk = (side: number): boolean => side >= MIN_SIDE && side <= MAX_SIDE;
  if (sideOk(width) && sideOk(height) && withinAspect(width / height)) return { width, height };
  throw invalidOption(messages.options.size(label, echo(raw), MIN_SIDE, MAX_SIDE, MAX_ASPECT_RATIO), {
    option: label,
    value: echo(raw),
    allowed: messages.options.sizeAllowed(MIN_SIDE, MAX_SIDE, MAX_ASPECT_RATIO),
  });
}

export function parseText(label: string, raw: OptionValue, maxChars: number): string {
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  if (text !== undefined && text.length <= maxChars) return text;
  const value = text === undefined ? echo(raw) : messages.options.charCount(text.length);
  throw invalidOption(messages.options.text(label, value, maxChars), {
    option: label,
    value,
    allowed: messages.options.maxChars(maxChars),
  });
}

function withinAspect(ratio: number): boolean {
  return ratio <= MAX_ASPECT_RATIO && ratio >= 1 / MAX_ASPECT_RATIO;
}

function fold(text: string): string {
  return text.trim().toLowerCase();
}
