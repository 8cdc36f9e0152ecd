// Well-known ONNX exports in the diffusers/optimum layout. Each is only a shortcut: any repo id
// works in its place, and `--repo`, `--revision`, `--subfolder`, `--name` override the preset.

export interface ModelPreset {
  /** Folder name under MODELS_DIR, also the name the bot knows the model by. */
  readonly name: string;
  readonly repo: string;
  readonly revision: string;
  readonly subfolder?: string;
  readonly description: string;
}

export const MODEL_PRESETS: Readonly<Record<string, ModelPreset>> = {
  sd15: {
    name: 'sd15',
    repo: 'onnx-community/stable-diffusion-v1-5-ONNX',
    revision: 'main',
    description: 'Stable Diffusion 1.5, fp32 ONNX (about 5.5 GB with the safety checker), 512×512, 20–30 steps',
  },
  'sd-turbo': {
    name: 'sd-turbo',
    repo: 'jdp8/sd-turbo-onnx',
    revision: 'main',
    description: 'SD-Turbo (distilled SD 2.1), ONNX with fp16-sized weights (about 2.7 GB), 512×512, 1–4 steps, no guidance',
  },
  'sdxl-turbo': {
    name: 'sdxl-turbo',
    repo: 'stabilityai/sdxl-turbo',
    revision: 'main',
    description: 'SDXL-Turbo, the official fp32 ONNX export next to the diffusers weights (about 14 GB), 512×512, 1–4 steps',
  },
};

export function presetNames(): string[] {
  return Object.keys(MODEL_PRESETS);
}
