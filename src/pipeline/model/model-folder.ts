// Reads a diffusers/optimum ONNX export folder: which parts exist, their configs, and what kind of
// model it is. Nothing here opens an ONNX session; model-signature.ts checks the graphs themselves.
import { access, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PipelineError } from '../errors.js';
import type { ModelKind } from '../types.js';

export const SD_VAE_SCALING_FACTOR = 0.18215;
export const SDXL_VAE_SCALING_FACTOR = 0.13025;
const MODEL_FILE = 'model.onnx';

export interface ModelParts {
  readonly textEncoder: string;
  readonly textEncoder2?: string;
  readonly unet: string;
  readonly vaeDecoder: string;
  readonly vaeEncoder?: string;
  readonly safetyChecker?: string;
}

export interface ModelFolder {
  readonly dir: string;
  /** The pipeline class named by model_index.json, e.g. "OnnxStableDiffusionPipeline". */
  readonly pipelineClass: string;
  readonly isXl: boolean;
  /** Turbo / LCM hints from model_index.json and the folder name; the graph has the final word on LCM. */
  readonly distillation: 'turbo' | 'lcm' | undefined;
  readonly tokenizerDir: string;
  readonly tokenizer2Dir?: string;
  /** scheduler/scheduler_config.json, as written. */
  readonly schedulerConfig: unknown;
  readonly schedulerConfigFile: string;
  readonly parts: ModelParts;
  readonly vaeScalingFactor: number;
  /** The VAE's configured sample size, a hint for the model's native resolution. */
  readonly vaeSampleSize?: number;
  /** SDXL: condition an empty negative prompt with zeros (model_index.json, diffusers default true). */
  readonly forceZerosForEmptyPrompt: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new PipelineError('invalid_model_folder', `${file} is missing`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PipelineError('invalid_model_folder', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function asRecord(value: unknown, file: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PipelineError('invalid_model_folder', `${file} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

async function requirePart(dir: string, part: string): Promise<string> {
  const file = join(dir, part, MODEL_FILE);
  if (!(await exists(file))) {
    throw new PipelineError('invalid_model_folder', `${file} is missing: every ONNX Stable Diffusion folder needs ${part}/${MODEL_FILE}`);
  }
  return file;
}

async function optionalPart(dir: string, part: string): Promise<string | undefined> {
  const file = join(dir, part, MODEL_FILE);
  return (await exists(file)) ? file : undefined;
}

async function requireTokenizer(dir: string, folder: string): Promise<string> {
  const tokenizerDir = join(dir, folder);
  for (const file of ['vocab.json', 'merges.txt']) {
    if (!(await exists(join(tokenizerDir, file)))) {
      throw new PipelineError('invalid_model_folder', `${join(tokenizerDir, file)} is missing: the CLIP tokenizer needs vocab.json and merges.txt`);
    }
  }
  return tokenizerDir;
}

function detectDistillation(index: Record<string, unknown>, dir: string): ModelFolder['distillation'] {
  const hints = [String(index['_name_or_path'] ?? ''), basename(dir), String(index['_class_name'] ?? '')].join(' ').toLowerCase();
  if (hints.includes('lcm') || hints.includes('latent-consistency') || hints.includes('latentconsistency')) return 'lcm';
  if (hints.includes('turbo')) return 'turbo';
  return undefined;
}

export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const indexFile = join(dir, 'model_index.json');
  const index = asRecord(await readJson(indexFile), indexFile);
  const isXl = await exists(join(dir, 'text_encoder_2', MODEL_FILE));

  const schedulerConfigFile = join(dir, 'scheduler', 'scheduler_config.json');
  const schedulerConfig = asRecord(await readJson(schedulerConfigFile), schedulerConfigFile);

  const parts: ModelParts = {
    textEncoder: await requirePart(dir, 'text_encoder'),
    unet: await requirePart(dir, 'unet'),
    vaeDecoder: await requirePart(dir, 'vae_decoder'),
    ...(isXl ? { textEncoder2: await requirePart(dir, 'text_encoder_2') } : {}),
    ...optionalEntry('vaeEncoder', await optionalPart(dir, 'vae_encoder')),
    ...optionalEntry('safetyChecker', await optionalPart(dir, 'safety_checker')),
  };

  const vaeConfigFile = join(dir, 'vae_decoder', 'config.json');
  let vaeScalingFactor = isXl ? SDXL_VAE_SCALING_FACTOR : SD_VAE_SCALING_FACTOR;
  let vaeSampleSize: number | undefined;
  if (await exists(vaeConfigFile)) {
    const vaeConfig = asRecord(await readJson(vaeConfigFile), vaeConfigFile);
    const factor = vaeConfig['scaling_factor'];
    if (factor !== undefined) {
      if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) {
        throw new PipelineError('invalid_model_folder', `${vaeConfigFile}: scaling_factor must be a positive number, got ${JSON.stringify(factor)}`);
      }
      vaeScalingFactor = factor;
    }
    if (typeof vaeConfig['sample_size'] === 'number') vaeSampleSize = vaeConfig['sample_size'];
  }

  return {
    dir,
    pipelineClass: String(index['_class_name'] ?? ''),
    isXl,
    distillation: detectDistillation(index, dir),
    tokenizerDir: await requireTokenizer(dir, 'tokenizer'),
    ...(isXl ? { tokenizer2Dir: await requireTokenizer(dir, 'tokenizer_2') } : {}),
    schedulerConfig,
    schedulerConfigFile,
    parts,
    vaeScalingFactor,
    ...(vaeSampleSize !== undefined ? { vaeSampleSize } : {}),
    forceZerosForEmptyPrompt: isXl && index['force_zeros_for_empty_prompt'] !== false,
  };
}

function optionalEntry<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Kind from the folder and the graph: XL or not, hidden size, LCM's timestep_cond, turbo hints. */
export function modelKindOf(folder: ModelFolder, hiddenSize: number, hasTimestepCond: boolean): ModelKind {
  if (hasTimestepCond || folder.distillation === 'lcm') return 'lcm';
  if (folder.isXl) return folder.distillation === 'turbo' ? 'sdxl-turbo' : 'sdxl';
  if (folder.distillation === 'turbo') return 'sd-turbo';
  return hiddenSize >= 1024 ? 'sd2' : 'sd1';
}
