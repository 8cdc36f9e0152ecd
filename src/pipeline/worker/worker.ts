// Entry of the pipeline worker process (started by client.ts with child_process.fork). It owns the
// ONNX sessions, so a native crash or out-of-memory in the model never takes the bot down.
import { StableDiffusionPipeline } from '../sd/stable-diffusion.js';
import { processChannel } from '../ipc/worker-channel.js';
import { parseWorkerArgs } from './worker-config.js';
import type { WorkerConfig } from './worker-config.js';
import type { ModelLoader } from './worker-loop.js';
import { WorkerLoop } from './worker-loop.js';

/** Exit status when the worker was started with an unusable config. */
const EXIT_BAD_CONFIG = 2;

const loadModel: ModelLoader = (entry, config) =>
  StableDiffusionPipeline.load(entry.dir, entry.name, {
    provider: config.pipeline.provider,
    allowCpuFallback: config.pipeline.allowCpuFallback,
    threads: config.pipeline.threads,
    previewEvery: config.pipeline.previewEvery,
    safetyChecker: config.pipeline.safetyChecker,
    taesdDir: config.pipeline.taesdDir,
    fastDecode: config.pipeline.fastDecode,
    maxInitPixels: config.pipeline.maxInitPixels,
    upscalersDir: config.pipeline.upscalersDir,
    loraDir: config.pipeline.loraDir,
    loraCacheDir: config.pipeline.loraCacheDir,
    loraCacheMaxBytes: config.pipeline.loraCacheMaxBytes,
  });

function logError(context: string, error: unknown): void {
  console.error(`[pipeline worker ${process.pid}] ${context}:`, error);
}

function readConfig(): WorkerConfig {
  try {
    return parseWorkerArgs(process.argv.slice(2));
  } catch (error) {
    logError('invalid --config', error);
    return process.exit(EXIT_BAD_CONFIG);
  }
}

await new WorkerLoop({
  config: readConfig(),
  channel: processChannel(),
  loadModel,
  logError,
  exit: (code) => process.exit(code),
}).start();
