// The A1111 "parameters" text, which other tools (WebUI's PNG Info, Civitai, ComfyUI importers) read:
// the prompt, then "Negative prompt: …", then one line of `Key: value` fields joined by ", ".
// As A1111 does, a value containing `,`, `:` or a newline is written as a JSON string, and the
// sampler and its schedule are two fields ("Sampler: DPM++ 2M, Schedule type: Karras").
import type { SamplerName } from '../types.js';

export const PARAMETERS_KEYWORD = 'parameters';

export interface ImageParameters {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly steps: number;
  /** A1111's sampler name, e.g. "Euler a", "DPM++ 2M". */
  readonly sampler: string;
  /** A1111's "Schedule type" when it is not the sampler's default, e.g. "Karras". */
  readonly scheduleType?: string;
  readonly cfgScale: number;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly model: string;
  readonly clipSkip?: number;
  readonly denoisingStrength?: number;
  /** Inpainting's edge softening in pixels. */
  readonly maskBlur?: number;
  readonly hires?: {
    readonly upscale: number;
    /** Left out when the second pass uses the first pass's steps, as A1111 does. */
    readonly steps?: number;
    /** "Latent", "Lanczos" or an upscaler model's name. */
    readonly upscaler: string;
  };
  /**
   * Applied LoRAs: A1111 keeps their `<lora:name:weight>` tags in the prompt and lists
   * `Lora hashes: "name: hash, …"`, so other tools can find the same LoRA files.
   */
  readonly loras?: ReadonlyArray<{ readonly name: string; readonly weight: number; readonly hash: string }>;
}

/** Our samplers by the names A1111 writes. */
export const A1111_SAMPLERS: Readonly<Record<SamplerName, { readonly sampler: string; readonly scheduleType?: string }>> = {
  euler: { sampler: 'Euler' },
  euler_a: { sampler: 'Euler a' },
  ddim: { sampler: 'DDIM' },
  dpmpp_2m: { sampler: 'DPM++ 2M' },
  dpmpp_2m_karras: { sampler: 'DPM++ 2M', scheduleType: 'Karras' },
  lcm: { sampler: 'LCM' },
};

/** A1111's `quote`: plain unless the value could break the fields line. */
export function quoteValue(value: string): string {
  return /[,:\n]/.test(value) ? JSON.stringify(value) : value;
}

export function formatParameters(p: ImageParameters): string {
  const fields: Array<[string, string | number]> = [
    ['Steps', p.steps],
    ['Sampler', p.sampler],
  ];
  if (p.scheduleType !== undefined) fields.push(['Schedule type', p.scheduleType]);
  fields.push(['CFG scale', p.cfgScale], ['Seed', p.seed], ['Size', `${p.width}x${p.height}`], ['Model', p.model]);
  if (p.clipSkip !== undefined && p.clipSkip > 1) fields.push(['Clip skip', p.clipSkip]);
  if (p.denoisingStrength !== undefined) fields.push(['Denoising strength', p.denoisingStrength]);
  if (p.maskBlur !== undefined) fields.push(['Mask blur', p.maskBlur]);
  if (p.hires !== undefined) {
    fields.push(['Hires upscale', p.hires.upscale]);
    if (p.hires.steps !== undefined) fields.push(['Hires steps', p.hires.steps]);
    fields.push(['Hires upscaler', p.hires.upscaler]);
  }
  const loras = p.loras ?? [];
  // Quoted below like every value with `:` or `,`, as A1111 does.
  if (loras.length > 0) fields.push(['Lora hashes', loras.map((lora) => `${lora.name}: ${lora.hash}`).join(', ')]);
  const lines = [[p.prompt, ...loras.map((lora) => `<lora:${lora.name}:${lora.weight}>`)].join(' ')];
  if (p.negativePrompt !== '') lines.push(`Negative prompt: ${p.negativePrompt}`);
  lines.push(fields.map(([key, value]) => `${key}: ${quoteValue(String(value))}`).join(', '));
  return lines.join('\n');
}

/** `Key: value` pairs, a value either a JSON string or anything up to the next comma. */
const FIELD = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;

/** Reads back the fields line of a parameters text, e.g. `Seed` → "42", quoted values unquoted. */
export function parseParameterFields(text: string): Map<string, string> {
  const lastLine = text.split('\n').at(-1) ?? '';
  const fields = new Map<string, string>();
  for (const match of lastLine.matchAll(FIELD)) {
    const raw = (match[2] ?? '').trim();
    fields.set((match[1] ?? '').trim(), raw.startsWith('"') && raw.endsWith('"') && raw.length > 1 ? unquote(raw) : raw);
  }
  return fields;
}

function unquote(raw: string): string {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'string' ? value : raw;
  } catch {
    return raw;
  }
}
