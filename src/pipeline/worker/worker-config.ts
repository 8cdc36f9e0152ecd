// What a worker process is started with: the configured models and pipeline options, passed as a
// JSON argument so the parent decides everything and the worker reads no config files itself.
import { z } from 'zod';
import { EXECUTION_PROVIDERS, MODEL_KINDS } from '../types.js';

export const DEFAULT_HEARTBEAT_MS = 1_000;
/** Live previews every few steps: frequent enough to feel alive, rare enough to stay cheap. */
export const DEFAULT_PREVIEW_EVERY = 5;
const CONFIG_FLAG = '--config';

export const workerConfigSchema = z.object({
  models: z
    .array(
      z.object({
        name: z.string().min(1),
        dir: z.string().min(1),
        kind: z.enum(MODEL_KINDS).optional(),
      }),
    )
    .min(1),
  /** Loaded at start; defaults to the first model. */
  defaultModel: z.string().optional(),
  pipeline: z
    .object({
      provider: z.enum(EXECUTION_PROVIDERS).default('cpu'),
      allowCpuFallback: z.boolean().default(true),
      threads: z.number().int().positive().optional(),
      previewEvery: z.number().int().nonnegative().default(DEFAULT_PREVIEW_EVERY),
      safetyChecker: z.boolean().default(true),
      taesdDir: z.string().optional(),
      /** Decode final images with TAESD too (much faster on cpu, slightly softer). */
      fastDecode: z.boolean().default(false),
      maxInitPixels: z.number().int().positive().optional(),
      /** Folder of ONNX image upscalers (`NAME.onnx`). */
      upscalersDir: z.string().optional(),
      /** Folder of NAME.safetensors LoRAs, and where patched model copies are cached (LRU, capped). */
      loraDir: z.string().optional(),
      loraCacheDir: z.string().optional(),
      loraCacheMaxBytes: z.number().int().positive().optional(),
    })
    .prefault({}),
  heartbeatMs: z.number().int().positive().default(DEFAULT_HEARTBEAT_MS),
}).check((ctx) => {
  const names = ctx.value.models.map((model) => model.name);
  if (new Set(names).size !== names.length) {
    ctx.issues.push({ code: 'custom', message: `model names must be unique, got ${names.join(', ')}`, input: names });
  }
  const wanted = ctx.value.defaultModel;
  if (wanted !== undefined && !names.includes(wanted)) {
    ctx.issues.push({ code: 'custom', message: `defaultModel '${wanted}' is not among ${names.join(', ')}`, input: wanted });
  }
});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;
export type WorkerConfigInput = z.input<typeof workerConfigSchema>;

/** The argv a worker script expects for this config. */
export function workerArgs(config: WorkerConfigInput): string[] {
  return [CONFIG_FLAG, JSON.stringify(workerConfigSchema.parse(config))];
}

/** Reads `--config <json>` from argv; throws with a readable message when it is missing or wrong. */
export function parseWorkerArgs(argv: readonly string[]): WorkerConfig {
  return workerConfigSchema.parse(JSON.parse(flagValue(argv, CONFIG_FLAG) ?? 'null'));
}

/** The value after `flag` in argv, if any. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index === -1 ? undefined : argv[index + 1];
}

/** The configured model a job without an explicit model runs on. */
export function defaultModelOf(config: WorkerConfig): string {
  const first = config.models[0];
  if (first === undefined) throw new Error('worker config has no models');
  return config.defaultModel ?? first.name;
}
