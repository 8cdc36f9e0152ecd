// The pipeline the browser test drives, in one place. Today it is the fake worker process (a real
// PipelineClient and worker loop, flat-colour "model"); pointing it at the real worker and an
// oracle model folder changes only this file: the test asks it which colour a request must give.
import { PipelineClient } from '../../../src/pipeline/client.js';
import type { ImageGenerator } from '../../../src/bot/core/image-generator.js';
import type { ModelKind } from '../../../src/pipeline/types.js';
import { fakeClientOptions } from '../../fixtures/fake-worker/fake-client-options.js';
import { colourOf } from '../../fixtures/fake-worker/fake-model.js';

export type Rgb = readonly [number, number, number];

/** What the page shows about one image; an oracle model's colour depends on the prompts and CFG, the fake's on the seed. */
export interface ShownImage {
  readonly seed: number;
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly guidanceScale: number;
}

export interface PipelineUnderTest {
  readonly generator: ImageGenerator;
  readonly model: { readonly name: string; readonly kind: ModelKind };
  /** The flat colour a correct pipeline paints for this image. */
  expectedColour(image: ShownImage): Rgb;
  close(): Promise<void>;
}

/** Slow enough that a person (and the test) sees the queue position and a few previews. */
const STEP_DELAY_MS = 40;
const MODEL = { name: 'fake-sd1', kind: 'sd1' } as const;

export async function startPipelineUnderTest(): Promise<PipelineUnderTest> {
  const client = await PipelineClient.start(
    fakeClientOptions({ behaviour: { stepDelayMs: STEP_DELAY_MS }, config: { models: [{ name: MODEL.name, dir: 'unused', kind: MODEL.kind }] } }),
  );
  return {
    generator: client,
    model: MODEL,
    expectedColour: ({ seed }) => colourOf(seed),
    close: () => client.close(),
  };
}
