// The hires fix and upscaler options of /imagine (`--hires 1.5 --hires-steps 10 --hires-denoise
// 0.4 --hires-upscaler lanczos`, `--upscaler NAME`): parsed, checked against the model's limits,
// and lowered with a note when the doubled image would not fit.
import {
  DEFAULT_HIRES_DENOISE,
  HIRES_LATENT,
  MAX_HIRES_SCALE,
  MIN_HIRES_SCALE,
  type HiresFix,
} from '../pipeline/types.js';
import type { ModelConfig } from './config.js';
import type { OptionValue } from './invocation.js';
import { MAX_UPSCALER_NAME_CHARS, MIN_STEPS } from './limits.js';
import { messages } from './messages.js';
import { echo, parseDecimal, parseWholeNumber } from './option-values.js';
import type { Size } from './sizes.js';
import { invalidOption, type UserFacingError } from './user-facing-error.js';

export interface HiresSource {
  readonly label: string;
  readonly raw: OptionValue;
}

export type HiresOptionName = 'hires' | 'hires-steps' | 'hires-denoise' | 'hires-upscaler' | 'upscaler';

export interface HiresChoice {
  readonly hires?: HiresFix;
  /** Upscaler model used when this job's images are upscaled (U1–U4). */
  readonly upscaler?: string;
}

/** Upscaler names: a file name in the upscalers folder, without `.onnx`. */
const UPSCALER_NAME = new RegExp(`^[A-Za-z0-9][\\w.+-]{0,${MAX_UPSCALER_NAME_CHARS - 1}}$`);
/** Lowered scales are rounded down to this step, so the note reads 1.4, not 1.4142. */
const SCALE_STEP = 0.05;

export function resolveHires(pick: (name: HiresOptionName) => HiresSource | undefined, size: Size, model: ModelConfig, modelName: string, notes: string[]): HiresChoice {
  const upscalerSource = pick('upscaler');
  const upscaler = upscalerSource === undefined ? undefined : parseUpscalerName(upscalerSource);
  const withUpscaler = upscaler === undefined ? {} : { upscaler };
  const scaleSource = pick('hires');
  const steps = optional(pick('hires-steps'), (source) => parseWholeNumber(source.label, source.raw, MIN_STEPS, model.maxSteps));
  const denoise = optional(pick('hires-denoise'), (source) => parseDecimal(source.label, source.raw, 0, 1));
  const hiresUpscaler = optional(pick('hires-upscaler'), parseUpscalerName);
  if (scaleSource === undefined) {
    if (steps !== undefined || denoise !== undefined || hiresUpscaler !== undefined) notes.push(messages.notes.hiresOptionsWithoutHires);
    return withUpscaler;
  }
  const wanted = parseDecimal(scaleSource.label, scaleSource.raw, MIN_HIRES_SCALE, MAX_HIRES_SCALE);
  const largest = Math.floor(Math.sqrt(model.maxPixels / (size.width * size.height)) / SCALE_STEP) * SCALE_STEP;
  const scale = Math.min(wanted, Number(largest.toFixed(2)));
  if (scale <= MIN_HIRES_SCALE) {
    notes.push(messages.notes.hiresSkipped(modelName));
    return withUpscaler;
  }
  if (scale < wanted) notes.push(messages.notes.hiresLowered(wanted, scale, modelName));
  const hires: HiresFix = {
    scale,
    denoise: denoise ?? DEFAULT_HIRES_DENOISE,
    upscaler: hiresUpscaler ?? HIRES_LATENT,
    ...(steps === undefined ? {} : { steps }),
  };
  return { hires, ...withUpscaler };
}

/** The hires fix redraws a text-to-image result; an attached image is refined with strength instead. */
export function hiresWithImage(): UserFacingError {
  return invalidOption(messages.options.hiresWithImage, { option: 'hires', value: 'with an image', allowed: messages.options.hiresAllowed });
}

function optional<T>(source: HiresSource | undefined, parse: (source: HiresSource) => T): T | undefined {
  return source === undefined ? undefined : parse(source);
}

function parseUpscalerName(source: HiresSource): string {
  const text = typeof source.raw === 'string' ? source.raw.trim() : '';
  if (UPSCALER_NAME.test(text)) return text.toLowerCase() === HIRES_LATENT || text.toLowerCase() === 'lanczos' ? text.toLowerCase() : text;
  throw invalidOption(messages.options.upscaler(source.label, echo(source.raw)), {
    option: source.label,
    value: echo(source.raw),
    allowed: messages.options.upscalerAllowed,
  });
}
