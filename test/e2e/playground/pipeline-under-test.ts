// The pipeline the browser test drives, in one place: the real worker process (src/pipeline/worker/worker.ts)
// behind a real PipelineClient, on an oracle model whose correct image is a flat colour known in
// closed form from the prompt, the negative prompt and the CFG scale.
import type { ImageGenerator } from '../../../src/bot/core/image-generator.js';
import type { ModelKind } from '../../../src/pipeline/types.js';
import { startOraclePipeline } from '../support/oracle-pipeline.js';
import type { OracleRequest, Rgb } from '../support/oracle-pipeline.js';

export type { OracleRequest, Rgb } from '../support/oracle-pipeline.js';

export interface PipelineUnderTest {
  readonly generator: ImageGenerator;
  readonly model: { readonly name: string; readonly kind: ModelKind; readonly defaultSteps: number };
  /** The flat colour a correct pipeline paints for what the image was made from. */
  expectedColour(request: OracleRequest): Rgb;
  close(): Promise<void>;
}

/**
 * A job of about a second at SD1's native 512² (576×384 for `--ar 3:2`) on an idle core: long
 * enough that a second tab's job is seen waiting in line and a throttled preview is drawn (the
 * playground edits at most every 500 ms), short enough for a quick suite.
 */
const CONV_CHANNELS = 64;
const CONV_LAYERS = 12;
const DEFAULT_STEPS = 24;
const PREVIEW_EVERY_STEPS = 2;

export async function startPipelineUnderTest(): Promise<PipelineUnderTest> {
  const oracle = await startOraclePipeline({ channels: CONV_CHANNELS, layers: CONV_LAYERS, previewEvery: PREVIEW_EVERY_STEPS });
  return {
    generator: oracle.client,
    model: { ...oracle.model, defaultSteps: DEFAULT_STEPS },
    expectedColour: (request) => oracle.expectedColour(request),
    close: () => oracle.close(),
  };
}
