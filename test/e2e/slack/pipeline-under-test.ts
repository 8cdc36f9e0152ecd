// The pipeline behind the Slack e2e tests, in one place: the real worker process (through a real
// PipelineClient) on an oracle model folder, so a result's colour is known in closed form from the
// prompt, negative prompt and CFG it was made with.
import type { ImageGenerator } from '../../../src/bot/core/image-generator.js';
import type { ModelKind } from '../../../src/pipeline/types.js';
import { startOraclePipeline, type OracleRequest, type Rgb } from '../support/oracle-pipeline.js';

export type { OracleRequest, Rgb } from '../support/oracle-pipeline.js';

export interface PipelineUnderTest {
  readonly generator: ImageGenerator;
  readonly model: { readonly name: string; readonly kind: ModelKind };
  /** The flat colour (0–255) a correct pipeline paints for this request. */
  expectedColour(request: OracleRequest): Rgb;
  close(): Promise<void>;
}

/**
 * The conv stack makes a step cost about 45 ms on one idle core at the harness's 256² budget: an
 * 8-step job takes about half a second, long enough to see queue positions, previews and
 * throttled edits, short enough for a suite of some twenty jobs.
 */
const CONV_CHANNELS = 128;
const CONV_LAYERS = 10;
const PREVIEW_EVERY_STEPS = 2;

export async function startPipelineUnderTest(): Promise<PipelineUnderTest> {
  const pipeline = await startOraclePipeline({ channels: CONV_CHANNELS, layers: CONV_LAYERS, previewEvery: PREVIEW_EVERY_STEPS });
  return {
    generator: pipeline.client,
    model: pipeline.model,
    expectedColour: (request) => pipeline.expectedColour(request),
    close: () => pipeline.close(),
  };
}
