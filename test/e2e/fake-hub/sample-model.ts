// A small model folder in the ONNX export layout, for download tests: real file names and
// configs, stand-in bytes for the graphs. readModelFolder accepts it; onnxruntime would not.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hubFile } from './hub-files.js';
import type { HubFile } from './hub-files.js';

/** Big enough for many stream chunks, so a cut lands mid-file. */
export const SAMPLE_UNET_DATA_BYTES = 3 * 1024 * 1024;
const SMALL_GRAPH_BYTES = 40_000;
const XORSHIFT_A = 13;
const XORSHIFT_B = 17;
const XORSHIFT_C = 5;

/** Deterministic filler so every run serves the same bytes. */
export function fillerBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << XORSHIFT_A;
    state ^= state >>> XORSHIFT_B;
    state ^= state << XORSHIFT_C;
    state >>>= 0;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

const text = (value: string) => new TextEncoder().encode(value);
const json = (value: unknown) => text(`${JSON.stringify(value, null, 2)}\n`);

/** What the pipeline needs, keyed by path inside the model folder. */
export function sampleModelFiles(): Map<string, Uint8Array> {
  return new Map<string, Uint8Array>([
    ['model_index.json', json({ _class_name: 'OnnxStableDiffusionPipeline', _diffusers_version: '0.30.0', scheduler: ['diffusers', 'EulerDiscreteScheduler'] })],
    ['scheduler/scheduler_config.json', json({ _class_name: 'EulerDiscreteScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, num_train_timesteps: 1000, steps_offset: 1, timestep_spacing: 'leading' })],
    ['tokenizer/vocab.json', json({ '<|startoftext|>': 49406, '<|endoftext|>': 49407, 'a</w>': 320 })],
    ['tokenizer/merges.txt', text('#version: 0.2\na </w>\n')],
    ['tokenizer/tokenizer_config.json', json({ model_max_length: 77, pad_token: '<|endoftext|>' })],
    ['tokenizer/special_tokens_map.json', json({ bos_token: '<|startoftext|>', eos_token: '<|endoftext|>' })],
    ['text_encoder/model.onnx', fillerBytes(SMALL_GRAPH_BYTES, 1)],
    ['unet/model.onnx', fillerBytes(SMALL_GRAPH_BYTES, 2)],
    ['unet/model.onnx_data', fillerBytes(SAMPLE_UNET_DATA_BYTES, 3)],
    ['unet/config.json', json({ sample_size: 64, in_channels: 4 })],
    ['vae_decoder/model.onnx', fillerBytes(SMALL_GRAPH_BYTES, 4)],
    ['vae_decoder/config.json', json({ scaling_factor: 0.18215, sample_size: 512 })],
    ['vae_encoder/model.onnx', fillerBytes(SMALL_GRAPH_BYTES, 5)],
    // Old exports keep some tensors in files of their own; one can be empty.
    ['vae_encoder/onnx__Conv_17', new Uint8Array()],
  ]);
}

/** Optional safety checker files. */
export function safetyCheckerFiles(): Map<string, Uint8Array> {
  return new Map<string, Uint8Array>([
    ['safety_checker/model.onnx', fillerBytes(SMALL_GRAPH_BYTES, 6)],
    ['feature_extractor/preprocessor_config.json', json({ crop_size: 224, do_normalize: true })],
  ]);
}

/** Files mixed repos hold next to the ONNX export, which a download must leave alone. */
export function foreignFiles(): Map<string, Uint8Array> {
  return new Map<string, Uint8Array>([
    ['README.md', text('# sample\n')],
    ['.gitattributes', text('*.onnx filter=lfs diff=lfs merge=lfs -text\n')],
    ['v1-5-pruned.ckpt', fillerBytes(SMALL_GRAPH_BYTES, 7)],
    ['unet/diffusion_pytorch_model.safetensors', fillerBytes(SMALL_GRAPH_BYTES, 8)],
    ['unet/model_fp16.onnx', fillerBytes(SMALL_GRAPH_BYTES, 9)],
    ['unet/model_fp16.onnx_data', fillerBytes(SMALL_GRAPH_BYTES, 10)],
    ['text_encoder/model.fp16.safetensors', fillerBytes(SMALL_GRAPH_BYTES, 11)],
    ['vae/diffusion_pytorch_model.bin', fillerBytes(SMALL_GRAPH_BYTES, 12)],
    ['tokenizer/.gitkeep', new Uint8Array()],
  ]);
}

/** Hub files for a map of contents, optionally under a repo folder. */
export function toHubFiles(contents: ReadonlyMap<string, Uint8Array>, prefix = ''): HubFile[] {
  return [...contents].map(([path, data]) => hubFile(`${prefix}${path}`, data));
}

export async function writeFiles(dir: string, contents: ReadonlyMap<string, Uint8Array>): Promise<void> {
  for (const [path, data] of contents) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
}
