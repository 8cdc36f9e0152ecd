// The pipeline worker's argv from the app configuration: what `npm start` (with its own worker)
// and `npm run worker` both start, so a model behaves the same on either.
import { join } from 'node:path';
import { workerArgs } from '../pipeline/worker/worker-config.js';
import type { ModelKind } from '../pipeline/types.js';
import type { AppConfig } from './app-config.js';

/** Patched copies of the parts LoRAs touch, under DATA_DIR. */
const LORA_CACHE_FOLDER = 'lora-cache';
const GIB = 1024 ** 3;

export function pipelineWorkerArgs(config: AppConfig, kinds: Readonly<Record<string, ModelKind>>): string[] {
  const { core } = config;
  return workerArgs({
    models: config.models.map((model) => ({ name: model.name, dir: model.dir, kind: kinds[model.name] })),
    ...(config.defaultModel !== undefined ? { defaultModel: config.defaultModel } : {}),
    pipeline: {
      provider: core.ONNX_PROVIDER,
      allowCpuFallback: core.ONNX_ALLOW_CPU_FALLBACK,
      previewEvery: core.PREVIEW_EVERY,
      safetyChecker: core.SAFETY_CHECKER,
      ...(core.ONNX_THREADS !== undefined ? { threads: core.ONNX_THREADS } : {}),
      ...(core.TAESD_DIR !== undefined ? { taesdDir: core.TAESD_DIR, fastDecode: core.FAST_DECODE } : {}),
      upscalersDir: core.UPSCALERS_DIR,
      loraDir: core.LORA_DIR,
      loraCacheDir: join(core.DATA_DIR, LORA_CACHE_FOLDER),
      loraCacheMaxBytes: core.LORA_CACHE_MAX_GB * GIB,
    },
  });
}
