// The real pipeline worker process on an oracle model, for end-to-end tests of the adapters.
// The model is the oracle with a small stack of 3×3 convolutions added, so a step takes a few tens
// of milliseconds like a (very small) real UNet, and previews and throttled edits can be seen;
// its output, and so the image's colour, is still the oracle's closed form.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineClient } from '../../../src/pipeline/ipc/client.js';
import { ClipTokenizer } from '../../../src/pipeline/text/tokenizer/clip-tokenizer.js';
import { workerArgs } from '../../../src/pipeline/worker/worker-config.js';
import { ORACLE_DEFAULT_SCALING_FACTOR, oracleColour, oracleGuidedX0, oracleX0, writeSyntheticBenchModel } from '../../fixtures/oracle/index.js';

export type Rgb = readonly [number, number, number];

export interface OracleRequest {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly guidanceScale: number;
}

export interface OraclePipeline {
  readonly client: PipelineClient;
  readonly model: { readonly name: string; readonly kind: 'sd1' };
  readonly dir: string;
  /** The flat colour the closed form gives for this request, 0–255. */
  expectedColour(request: OracleRequest): Rgb;
  close(): Promise<void>;
}

export interface OraclePipelineOptions {
  readonly previewEvery?: number;
  /** Conv stack size: more channels or layers make each step slower. */
  readonly channels?: number;
  readonly layers?: number;
  /** Which VAE encoder output the folder has (img2img, Variations, Upscale work with either). */
  readonly vaeEncoder?: 'latent_sample' | 'latent_parameters';
}

const DEFAULT_CHANNELS = 32;
const DEFAULT_LAYERS = 3;
const MODEL_NAME = 'oracle';

export async function startOraclePipeline(options: OraclePipelineOptions = {}): Promise<OraclePipeline> {
  const dir = await mkdtemp(join(tmpdir(), 'imagine-e2e-model-'));
  const modelDir = join(dir, MODEL_NAME);
  // With a VAE encoder, so Variations and Upscale (img2img) work as on a real model.
  await writeSyntheticBenchModel(modelDir, {
    channels: options.channels ?? DEFAULT_CHANNELS,
    layers: options.layers ?? DEFAULT_LAYERS,
    variant: { vaeEncoder: options.vaeEncoder ?? 'latent_sample' },
  });
  const tokenizer = await ClipTokenizer.fromFolder(join(modelDir, 'tokenizer'));
  const client = await PipelineClient.start({
    args: workerArgs({
      models: [{ name: MODEL_NAME, dir: modelDir, kind: 'sd1' }],
      pipeline: { provider: 'cpu', allowCpuFallback: false, previewEvery: options.previewEvery ?? 2, safetyChecker: true, threads: 1 },
    }),
    stderr: 'ignore',
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    client,
    model: { name: MODEL_NAME, kind: 'sd1' },
    dir: modelDir,
    expectedColour({ prompt, negativePrompt, guidanceScale }) {
      const cond = tokenizer.encode(prompt).inputIds;
      const x0 = guidanceScale > 1 ? oracleGuidedX0({}, cond, tokenizer.encode(negativePrompt).inputIds, guidanceScale) : oracleX0({}, cond);
      return oracleColour({}, x0, ORACLE_DEFAULT_SCALING_FACTOR);
    },
    async close() {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
