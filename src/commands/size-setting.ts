// The one text field that stores a shape: an aspect ratio (`3:2`) or a size (`768x512`).
import type { OptionValue } from './invocation.js';
import { parseAspect, parseSize } from './option-values.js';
import type { Size } from './sizes.js';

export type SizeChoice = { readonly kind: 'aspect'; readonly ratio: number } | { readonly kind: 'size'; readonly size: Size };

/** `ar` reads W:H, `size` reads WxH; throws the parsers' invalid_option refusals. */
export function parseSizeChoice(option: 'ar' | 'size', label: string, raw: OptionValue): SizeChoice {
  return option === 'ar' ? { kind: 'aspect', ratio: parseAspect(label, raw) } : { kind: 'size', size: parseSize(label, raw) };
}

/** Which option a saved size string belongs to. */
export function sizeSettingOption(text: string): 'ar' | 'size' {
  return text.includes(':') ? 'ar' : 'size';
}
