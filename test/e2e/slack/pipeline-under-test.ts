// The pipeline behind the Slack e2e tests, in one place: the real worker process (through a real
// PipelineClient) on an oracle model folder, so a result's colour is known in closed form from the
// prompt, negative prompt and CFG it was made with.
//
// This is test/e2e/support/oracle-pipeline.ts plus a VAE encoder in the folder: Variations and
// Upscale start from an image, which a folder without vae_encoder refuses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageGenerator } from '../../../src/bot/core/image-generator.js';
import { PipelineClient } from '../../../src/pipeline/client.js';
import { ClipTokenizer } from '../../../src/pipeline/tokenizer/clip-tokenizer.js';
import type { ModelKind } from '../../../src/pipeline/types.js';
import { workerArgs } from '../../../src/pipeline/worker-config.js';
import { ORACLE_DEFAULT_SCALING_FACTOR, oracleColour, oracleGuidedX0, oracleX0, writeSyntheticBenchModel } from '../../fixtures/oracle/index.js';
import type { OracleRequest, Rgb } from '../support/oracle-pipeline.js';

export type { OracleRequest, Rgb } from '../support/oracle-pipeline.js';

export interface PipelineUnderTest {
  readonly generator: ImageGenerator;
  readonly model: { readonly name: string; readonly kind: ModelKind };
  /** The flat colour (0–255) a correct pipeline paints for this request. */
  expectedColour(request: OracleRequest): Rgb;
  close(): Promise<void>;
}

const MODEL = { name: 'oracle', kind: 'sd1' } as const;
/**
 * The conv stack makes a step cost about 45 ms on one idle core at the harness's 256² budget: an
 * 8-step job takes about half a second, long enough to see queue positions, previews and
 * throttled edits, short enough for a suite of some twenty jobs.
 */
const CONV_CHANNELS = 128;
const CONV_LAYERS = 10;
const PREVIEW_EVERY_STEPS = 2;
/** One ONNX thread, as on a small host; the suite shares the machine with other test files. */
const WORKER_THREADS = 1;

export async function startPipelineUnderTest(): Promise<PipelineUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'imagine-slack-e2e-model-'));
  const modelDir = join(dir, MODEL.name);
  await writeSyntheticBenchModel(modelDir, { channels: CONV_CHANNELS, layers: CONV_LAYERS, variant: { vaeEncoder: 'latent_sample' } });
  const tokenizer = await ClipTokenizer.fromFolder(join(modelDir, 'tokenizer'));
  const client = await PipelineClient.start({
    args: workerArgs({
      models: [{ name: MODEL.name, dir: modelDir, kind: MODEL.kind }],
      pipeline: { provider: 'cpu', allowCpuFallback: false, previewEvery: PREVIEW_EVERY_STEPS, safetyChecker: true, threads: WORKER_THREADS },
    }),
    stderr: 'ignore',
  });
  return {
    generator: client,
    model: MODEL,
    expectedColour({ prompt, negativePrompt, guidanceScale }) {
      const cond = tokenizer.encode(prompt).inputIds;
      // Guidance at or below 1 runs the prompt alone, as the pipeline does.
      const x0 = guidanceScale > 1 ? oracleGuidedX0({}, cond, tokenizer.encode(negativePrompt).inputIds, guidanceScale) : oracleX0({}, cond);
      return oracleColour({}, x0, ORACLE_DEFAULT_SCALING_FACTOR);
    },
    async close() {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
