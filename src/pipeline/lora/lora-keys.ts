// Names in a LoRA file → (model part, torch module path). Two conventions exist:
// - kohya / A1111: `lora_unet_<path with dots as underscores>.lora_down.weight` / `.lora_up.weight`
//   / `.alpha`, `lora_te_…` for the text encoder (`lora_te1_` / `lora_te2_` for SDXL's two);
// - diffusers / PEFT: `unet.<path>.lora_A.weight` / `.lora_B.weight` (or `.lora.down/.up`),
//   `text_encoder.…`, `text_encoder_2.…`.
// kohya flattens dots to underscores, so the path is rebuilt by splitting on the module names torch
// uses, several of which contain underscores themselves (`transformer_blocks`, `to_k`, `proj_in`).

export type LoraPart = 'unet' | 'text_encoder' | 'text_encoder_2';

type LoraRole = 'down' | 'up' | 'alpha';

interface LoraKey {
  readonly part: LoraPart;
  /** Torch module path, e.g. `up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k`. */
  readonly module: string;
  readonly role: LoraRole;
}

const KOHYA_PREFIXES: ReadonlyArray<readonly [string, LoraPart]> = [
  ['lora_unet_', 'unet'],
  ['lora_te1_', 'text_encoder'],
  ['lora_te2_', 'text_encoder_2'],
  ['lora_te_', 'text_encoder'],
];
const KOHYA_ROLES: ReadonlyArray<readonly [string, LoraRole]> = [
  ['.lora_down.weight', 'down'],
  ['.lora_up.weight', 'up'],
  ['.alpha', 'alpha'],
];
const PEFT_PREFIXES: ReadonlyArray<readonly [string, LoraPart]> = [
  ['unet.', 'unet'],
  ['text_encoder_2.', 'text_encoder_2'],
  ['text_encoder.', 'text_encoder'],
];
const PEFT_ROLES: ReadonlyArray<readonly [string, LoraRole]> = [
  ['.lora_A.weight', 'down'],
  ['.lora_B.weight', 'up'],
  ['.lora.down.weight', 'down'],
  ['.lora.up.weight', 'up'],
  ['.lora_A.default.weight', 'down'],
  ['.lora_B.default.weight', 'up'],
  ['.alpha', 'alpha'],
];
const PEFT_WRAPPER = 'base_model.model.';

/**
 * Module names of SD's UNet and CLIP text encoders that contain underscores; every other
 * underscore in a kohya name stands for a dot.
 */
const COMPOUND_MODULE_NAMES = [
  'down_blocks', 'up_blocks', 'mid_block', 'transformer_blocks', 'proj_in', 'proj_out', 'to_q', 'to_k', 'to_v', 'to_out',
  'time_emb_proj', 'conv_shortcut', 'conv_in', 'conv_out', 'conv_norm_out', 'time_embedding', 'linear_1', 'linear_2',
  'add_embedding', 'text_model', 'self_attn', 'q_proj', 'k_proj', 'v_proj', 'out_proj', 'final_layer_norm',
  'layer_norm1', 'layer_norm2', 'token_embedding', 'position_embedding', 'text_projection',
] as const;

const COMPOUNDS = [...COMPOUND_MODULE_NAMES].map((name) => name.split('_')).sort((a, b) => b.length - a.length);

/** `up_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k` → `up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k`. */
export function kohyaModulePath(flat: string): string {
  const words = flat.split('_');
  const parts: string[] = [];
  for (let i = 0; i < words.length; ) {
    const compound = COMPOUNDS.find((candidate) => candidate.every((word, k) => words[i + k] === word));
    const length = compound?.length ?? 1;
    parts.push(words.slice(i, i + length).join('_'));
    i += length;
  }
  return parts.join('.');
}

/** The part, module and role a tensor name stands for; undefined for names of neither convention. */
export function parseLoraKey(name: string): LoraKey | undefined {
  for (const [prefix, part] of KOHYA_PREFIXES) {
    if (!name.startsWith(prefix)) continue;
    for (const [suffix, role] of KOHYA_ROLES) {
      if (name.endsWith(suffix)) return { part, module: kohyaModulePath(name.slice(prefix.length, -suffix.length)), role };
    }
    return undefined;
  }
  const unwrapped = name.startsWith(PEFT_WRAPPER) ? name.slice(PEFT_WRAPPER.length) : name;
  for (const [prefix, part] of PEFT_PREFIXES) {
    if (!unwrapped.startsWith(prefix)) continue;
    for (const [suffix, role] of PEFT_ROLES) {
      if (unwrapped.endsWith(suffix)) return { part, module: unwrapped.slice(prefix.length, -suffix.length), role };
    }
    return undefined;
  }
  return undefined;
}

/** The flattened kohya form of a module path, for matching paths the splitter does not know. */
export function flatModuleName(module: string): string {
  return module.replaceAll('.', '_');
}
