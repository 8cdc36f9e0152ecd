// The A1111 "parameters" text, which other tools (WebUI's PNG Info, Civitai, ComfyUI importers) read.

export const PARAMETERS_KEYWORD = 'parameters';

export interface ImageParameters {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly steps: number;
  /** Human sampler label, e.g. "Euler a". */
  readonly sampler: string;
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
}

export function formatParameters(p: ImageParameters): string {
  const fields: Array<[string, string | number]> = [
    ['Steps', p.steps],
    ['Sampler', p.sampler],
    ['CFG scale', p.cfgScale],
    ['Seed', p.seed],
    ['Size', `${p.width}x${p.height}`],
    ['Model', p.model],
  ];
  if (p.clipSkip !== undefined && p.clipSkip > 1) fields.push(['Clip skip', p.clipSkip]);
  if (p.denoisingStrength !== undefined) fields.push(['Denoising strength', p.denoisingStrength]);
  if (p.maskBlur !== undefined) fields.push(['Mask blur', p.maskBlur]);
  if (p.hires !== undefined) {
    fields.push(['Hires upscale', p.hires.upscale]);
    if (p.hires.steps !== undefined) fields.push(['Hires steps', p.hires.steps]);
    fields.push(['Hires upscaler', p.hires.upscaler]);
  }
  const lines = [p.prompt];
  if (p.negativePrompt !== '') lines.push(`Negative prompt: ${p.negativePrompt}`);
  lines.push(fields.map(([key, value]) => `${key}: ${value}`).join(', '));
  return lines.join('\n');
}

/** Reads back the fields line of a parameters text, e.g. `Seed` → "42". */
export function parseParameterFields(text: string): Map<string, string> {
  const lastLine = text.split('\n').at(-1) ?? '';
  const fields = new Map<string, string>();
  for (const match of lastLine.matchAll(/\s*([\w ]+):\s*([^,]+)/g)) fields.set(match[1]!.trim(), match[2]!.trim());
  return fields;
}
