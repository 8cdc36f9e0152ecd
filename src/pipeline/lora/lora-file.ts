// One LoRA file, read and grouped into modules: for each (part, module) its down and up matrices and
// alpha. What the file was trained for (SD1/SD2 or SDXL) is told by its key names and shapes.
import { PipelineError } from '../errors.js';
import { parseLoraKey, type LoraPart } from './lora-keys.js';
import { readSafetensors, SafetensorsError, type SafetensorsFile, type SafetensorsTensor } from './safetensors.js';

/** A LoRA named NAME is the file NAME.safetensors in the LoRA folder. */
export const LORA_FILE_EXTENSION = '.safetensors';

export interface LoraModule {
  readonly part: LoraPart;
  readonly module: string;
  /** [r, in] or [r, in, kh, kw]. */
  readonly down: SafetensorsTensor;
  /** [out, r] or [out, r, 1, 1]. */
  readonly up: SafetensorsTensor;
  /** Scale numerator (a scalar); ΔW is scaled by alpha / r. Absent (PEFT) means a scale of 1. */
  readonly alpha: SafetensorsTensor | undefined;
}

/** What a LoRA file seems to be for. */
export type LoraFamily = 'sd1' | 'sd2' | 'sdxl' | 'unknown';

export interface LoraFile {
  readonly modules: readonly LoraModule[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly family: LoraFamily;
}

/** Cross-attention widths: CLIP ViT-L (SD1), OpenCLIP ViT-H (SD2), both SDXL encoders side by side. */
const CROSS_ATTENTION_FAMILIES: Readonly<Record<number, LoraFamily>> = { 768: 'sd1', 1024: 'sd2', 2048: 'sdxl' };

export async function readLoraFile(file: string): Promise<LoraFile> {
  let parsed: SafetensorsFile;
  try {
    parsed = await readSafetensors(file);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new PipelineError('invalid_params', `LoRA ${error.message}`);
    throw error;
  }
  return loraFileOf(parsed, file);
}

export function loraFileOf(parsed: SafetensorsFile, file: string): LoraFile {
  const groups = new Map<string, { part: LoraPart; module: string; down?: SafetensorsTensor; up?: SafetensorsTensor; alpha?: SafetensorsTensor }>();
  for (const [name, tensor] of parsed.tensors) {
    const key = parseLoraKey(name);
    if (key === undefined) continue;
    const id = `${key.part}:${key.module}`;
    const group = groups.get(id) ?? { part: key.part, module: key.module };
    group[key.role] = tensor;
    groups.set(id, group);
  }
  const modules: LoraModule[] = [];
  for (const group of groups.values()) {
    if (group.down === undefined || group.up === undefined) continue;
    const rank = group.down.shape[0];
    if (rank === undefined || group.up.shape[1] !== rank) {
      throw new PipelineError('invalid_params', `LoRA ${file}: module ${group.module} has down ${shapeText(group.down)} and up ${shapeText(group.up)}, whose ranks differ`);
    }
    modules.push({ part: group.part, module: group.module, down: group.down, up: group.up, alpha: group.alpha });
  }
  if (modules.length === 0) throw new PipelineError('invalid_params', `LoRA ${file} holds no LoRA weights (neither kohya lora_unet_… nor diffusers unet.…lora_A keys)`);
  return { modules, metadata: parsed.metadata, family: familyOf(modules) };
}

function familyOf(modules: readonly LoraModule[]): LoraFamily {
  if (modules.some((module) => module.part === 'text_encoder_2')) return 'sdxl';
  const crossAttention = modules.find((module) => module.part === 'unet' && /attn2\.to_[kv]$/.test(module.module));
  const width = crossAttention?.down.shape[1];
  if (width !== undefined) return CROSS_ATTENTION_FAMILIES[width] ?? 'unknown';
  // SDXL's UNet has no fourth down block and names its attention blocks from down_blocks.1 on.
  if (modules.some((module) => module.part === 'unet' && module.module.startsWith('down_blocks.3'))) return 'sd1';
  return 'unknown';
}

function shapeText(tensor: SafetensorsTensor): string {
  return `[${tensor.shape.join(', ')}]`;
}
