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
  /**
   * Applied LoRAs: A1111 keeps their `<lora:name:weight>` tags in the prompt and lists
   * `Lora hashes: "name: hash, …"`, so the text reproduces the image in other tools.
   */
  readonly loras?: ReadonlyArray<{ readonly name: string; readonly weight: number; readonly hash: string }>;
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
  const loras = p.loras ?? [];
  if (loras.length > 0) fields.push(['Lora hashes', `"${loras.map((lora) => `${lora.name}: ${lora.hash}`).join(', ')}"`]);
  const lines = [[p.prompt, ...loras.map((lora) => `<lora:${lora.name}:${lora.weight}>`)].join(' ')];
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
