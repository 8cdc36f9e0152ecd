// DDIM with η = 0 (diffusers DDIMScheduler): deterministic, VP form, the UNet sees the sample as is.
import { NoiseSchedule } from './noise-schedule.js';
import { FloatBuffer } from './float-buffer.js';
import { mixNoise } from './forward-noise.js';
import { predictionForms } from './prediction.js';
import { assertSameLength } from './sample-checks.js';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStepResult, TimestepSpacing } from './scheduler.js';
import { StepCursor } from './step-cursor.js';
import { spacedTimesteps } from './timestep-spacing.js';

const NAME = 'DdimScheduler';
/** diffusers DDIMScheduler defaults for keys the config may lack. */
const DEFAULT_SPACING: TimestepSpacing = 'leading';
const DEFAULT_SET_ALPHA_TO_ONE = true;

export class DdimScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1;
  private readonly schedule: NoiseSchedule;
  private readonly cursor = new StepCursor(NAME);
  private readonly prevBuffer = new FloatBuffer();
  private readonly originalBuffer = new FloatBuffer();
  /** ᾱ after the last step. */
  private readonly finalAlphaCumprod: number;

  constructor(private readonly config: SchedulerConfig) {
    this.schedule = new NoiseSchedule(config);
    const alphaToOne = config.setAlphaToOne ?? DEFAULT_SET_ALPHA_TO_ONE;
    this.finalAlphaCumprod = alphaToOne ? 1 : this.schedule.alphaCumprodAt(0);
  }

  get timesteps(): readonly number[] {
    return this.cursor.timesteps;
  }

  setTimesteps(numInferenceSteps: number): void {
    this.cursor.reset(
      spacedTimesteps({
        spacing: this.config.timestepSpacing ?? DEFAULT_SPACING,
        numInferenceSteps,
        numTrainTimesteps: this.config.numTrainTimesteps,
        stepsOffset: this.config.stepsOffset,
        fractional: false,
      }),
    );
  }

  setBeginIndex(index: number): void {
    this.cursor.setBeginIndex(index);
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    this.cursor.current(timestep, 'scaleModelInput');
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _rng: NoiseSource): SchedulerStepResult {
    assertSameLength(NAME, modelOutput, sample);
    const index = this.cursor.current(timestep, 'step');
    const alphaCumprod = this.alphaCumprodAtIndex(index);
    // The sample lands at the noise level of the next UNet call (diffusers uses t − T/N, which
    // only agrees with it for leading spacing), or at the final ᾱ after the last step.
    const next = this.timesteps[index + 1];
    const prevAlphaCumprod = next === undefined ? this.finalAlphaCumprod : this.schedule.alphaCumprodAt(next);
    const { originalSample, epsilon } = predictionForms(
      this.config.predictionType,
      Math.sqrt(alphaCumprod),
      Math.sqrt(1 - alphaCumprod),
    );
    // x' = √ᾱprev·x0 + √(1 − ᾱprev)·ε
    const toOriginal = Math.sqrt(prevAlphaCumprod);
    const toNoise = Math.sqrt(1 - prevAlphaCumprod);
    const prev = this.prevBuffer.take(sample.length);
    const original = this.originalBuffer.take(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      const m = modelOutput[i] as number;
      const x0 = originalSample.input * x + originalSample.output * m;
      original[i] = x0;
      prev[i] = toOriginal * x0 + toNoise * (epsilon.input * x + epsilon.output * m);
    }
    this.cursor.advance();
    return { prevSample: prev, predOriginalSample: original };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const alphaCumprod = this.alphaCumprodAtIndex(this.cursor.indexOf(timestep, 'addNoise'));
    return mixNoise(original, noise, alphaCumprod);
  }

  private alphaCumprodAtIndex(index: number): number {
    return this.schedule.alphaCumprodAt(this.timesteps[index] ?? Number.NaN);
  }
}
