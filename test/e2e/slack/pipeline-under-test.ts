// The pipeline behind the Slack e2e tests, in one place. Today it is the fake worker process (a
// real PipelineClient and worker loop, flat-colour "model"); pointing it at the real worker and an
// oracle model folder changes only this file.
import type { ImageGenerator } from '../../../src/bot/core/image-generator.js';
import { PipelineClient } from '../../../src/pipeline/client.js';
import type { ModelKind } from '../../../src/pipeline/types.js';
import { fakeClientOptions } from '../../fixtures/fake-worker/fake-client-options.js';
import { colourOf } from '../../fixtures/fake-worker/fake-model.js';

export type Rgb = readonly [number, number, number];

export interface PipelineUnderTest {
  readonly generator: ImageGenerator;
  readonly model: { readonly name: string; readonly kind: ModelKind };
  /** The flat colour a correct pipeline paints for this seed and prompt. */
  expectedColour(seed: number, prompt: string): Rgb;
  /** Whether result PNGs carry the A1111 `parameters` chunk (the real worker writes it; the fake does not). */
  readonly writesParametersChunk: boolean;
  close(): Promise<void>;
}

/** Slow enough to see a few throttled progress edits per job, fast enough for a short suite. */
const STEP_DELAY_MS = 40;
const PREVIEW_EVERY_STEPS = 2;
const MODEL = { name: 'fake-sd1', kind: 'sd1' } as const;

export async function startPipelineUnderTest(): Promise<PipelineUnderTest> {
  const client = await PipelineClient.start(
    fakeClientOptions({
      behaviour: { stepDelayMs: STEP_DELAY_MS },
      config: { models: [{ name: MODEL.name, dir: 'unused', kind: MODEL.kind }], pipeline: { previewEvery: PREVIEW_EVERY_STEPS } },
      client: { stderr: 'ignore' },
    }),
  );
  return {
    generator: client,
    model: MODEL,
    expectedColour: (seed) => colourOf(seed),
    writesParametersChunk: false,
    close: () => client.close(),
  };
}
