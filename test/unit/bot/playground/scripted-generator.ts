// An in-process ImageGenerator for adapter tests: the process boundary the real PipelineClient
// crosses, replaced by flat-colour PNGs (with an A1111 `parameters` chunk) and steps the test can
// hold back, so "queued", "preview" and "result" can each be looked at.
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import type { GenerationJob, ImageGenerator } from '../../../../src/bot/core/image-generator.js';
import type { ClientGenerateOptions } from '../../../../src/pipeline/ipc/client.js';
import { addPngText } from '../../../../src/pipeline/image/png-text.js';
import { PipelineError } from '../../../../src/pipeline/errors.js';
import type { GeneratedImage, GenerationResult } from '../../../../src/pipeline/types.js';

const RGB_CHANNELS = 3;
const BYTE = 256;
const PREVIEW_SIDE = 8;

/** The colour of an image, from its seed: different seeds, visibly different images. */
export function seedColour(seed: number): [number, number, number] {
  return [seed % BYTE, (seed >>> 8) % BYTE, (seed * 7) % BYTE];
}

export class ScriptedGenerator implements ImageGenerator {
  readonly jobs: GenerationJob[] = [];
  stepDelayMs = 0;
  previewEvery = 1;
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  /** Jobs that start from now on wait before their first step until resume(). */
  hold(): void {
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  resume(): void {
    this.release?.();
    this.held = undefined;
  }

  async generate(job: GenerationJob, options: ClientGenerateOptions): Promise<GenerationResult> {
    this.jobs.push(job);
    options.onStarted?.();
    await this.held;
    const { params } = job;
    const total = params.numInferenceSteps;
    for (let step = 1; step <= total; step++) {
      if (options.signal?.aborted) throw new PipelineError('cancelled', 'cancelled');
      await sleep(this.stepDelayMs);
      const preview = step % this.previewEvery === 0 ? await solidPng(params.seed + step, PREVIEW_SIDE, PREVIEW_SIDE) : undefined;
      options.onProgress?.({ step, total, ...(preview === undefined ? {} : { preview }) });
    }
    const images: GeneratedImage[] = [];
    for (let index = 0; index < params.count; index++) {
      const seed = params.seed + index;
      const png = addPngText(
        await solidPng(seed, params.width, params.height),
        'parameters',
        `${params.prompt}\nSteps: ${total}, Seed: ${seed}, Size: ${params.width}x${params.height}`,
      );
      images.push({ png, seed, width: params.width, height: params.height, nsfw: false });
    }
    return {
      images,
      model: job.model,
      truncatedWords: [],
      timings: { totalMs: 1, textEncodeMs: 0, denoiseMs: 1, decodeMs: 0, msPerStep: 1 / total },
    };
  }
}

async function solidPng(seed: number, width: number, height: number): Promise<Uint8Array> {
  const [r, g, b] = seedColour(seed);
  return new Uint8Array(await sharp({ create: { width, height, channels: RGB_CHANNELS, background: { r, g, b } } }).png().toBuffer());
}
