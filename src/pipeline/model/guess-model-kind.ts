// A model's kind from its folder alone, without opening any ONNX session: the bot needs it at
// start-up (sizes, step defaults) while the worker loads only one model at a time. The worker
// reports the kind it reads from the graphs once the model is resident.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { modelKindOf, readModelFolder } from './model-folder.js';
import type { ModelKind } from '../types.js';

const SD1_HIDDEN_SIZE = 768;

async function readConfig(file: string): Promise<Record<string, unknown>> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function guessModelKind(dir: string): Promise<ModelKind> {
  const folder = await readModelFolder(dir);
  const textConfig = await readConfig(join(dir, 'text_encoder', 'config.json'));
  const unetConfig = await readConfig(join(dir, 'unet', 'config.json'));
  const hiddenSize = typeof textConfig['hidden_size'] === 'number' ? textConfig['hidden_size'] : SD1_HIDDEN_SIZE;
  // LCM UNets take a guidance embedding (diffusers `time_cond_proj_dim`).
  const hasTimestepCond = typeof unetConfig['time_cond_proj_dim'] === 'number';
  return modelKindOf(folder, hiddenSize, hasTimestepCond);
}
