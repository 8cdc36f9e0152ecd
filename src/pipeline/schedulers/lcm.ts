// LCM (diffusers LCMScheduler): a consistency model jumps to a denoised estimate each step, then
// re-noises it to the next timestep with fresh noise. Its timesteps come from the distillation
// schedule, so `timestep_spacing` and `steps_offset` do not apply.
import { NoiseSchedule } from './noise-schedule.js';
import { FloatBuffer } from './float-buffer.js';
import { mixNoise } from './forward-noise.js';
import { linspace } from './grid.js';
import { fillNoise } from './noise-source.js';
import { predictionForms } from './prediction.js';
import { assertSameLength } from './sample-checks.js';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStepResult } from './scheduler.js';
import { StepCursor } from './step-cursor.js';

const NAME = 'LcmScheduler';
/** σ_data of the consistency-model boundary condition (c_skip, c_out). */
const SIGMA_DATA = 0.5;

export class LcmScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1;
  private readonly schedule: NoiseSchedule;
  private readonly cursor = new StepCursor(NAME);
  private readonly prevBuffer = new FloatBuffer();
  private readonly denoisedBuffer = new FloatBuffer();
  private readonly noiseBuffer = new FloatBuffer();

  constructor(private readonly config: SchedulerConfig) {
    this.schedule = new NoiseSchedule(config);
  }

  get timesteps(): readonly number[] {
    return this.cursor.timesteps;
  }

  /** Evenly picks `numInferenceSteps` of the distillation schedule's timesteps, from the top. */
  setTimesteps(numInferenceSteps: number): void {
    const { numTrainTimesteps, originalInferenceSteps } = this.config;
    if (!Number.isInteger(originalInferenceSteps) || originalInferenceSteps < 1 || originalInferenceSteps > numTrainTimesteps) {
      throw new RangeError(`original_inference_steps must be an integer in [1, ${numTrainTimesteps}], got ${originalInferenceSteps}`);
    }
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > originalInferenceSteps) {
      throw new RangeError(
        `numInferenceSteps must be an integer in [1, ${originalInferenceSteps}] (the LCM's original_inference_steps), got ${numInferenceSteps}`,
      );
    }
    const stride = Math.floor(numTrainTimesteps / originalInferenceSteps);
    // Distillation timesteps from the top: stride·k − 1 for k = originalInferenceSteps … 1.
    const timesteps = linspace(0, originalInferenceSteps, numInferenceSteps, false).map(
      (position) => stride * (originalInferenceSteps - Math.floor(position)) - 1,
    );
    this.cursor.reset(timesteps);
  }

  setBeginIndex(index: number): void {
    this.cursor.setBeginIndex(index);
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    this.cursor.current(timestep, 'scaleModelInput');
    return sample;
  }

  /** `predOriginalSample` is the denoised output, the image to decode. */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, rng: NoiseSource): SchedulerStepResult {
    assertSameLength(NAME, modelOutput, sample);
    const index = this.cursor.current(timestep, 'step');
    const t = this.timesteps[index] ?? Number.NaN;
    const alphaCumprod = this.schedule.alphaCumprodAt(t);
    const { originalSample } = predictionForms(this.config.predictionType, Math.sqrt(alphaCumprod), Math.sqrt(1 - alphaCumprod));

    const scaled = t * this.config.timestepScaling;
    const cSkip = SIGMA_DATA ** 2 / (scaled ** 2 + SIGMA_DATA ** 2);
    const cOut = scaled / Math.sqrt(scaled ** 2 + SIGMA_DATA ** 2);
    // denoised = c_out·x0 + c_skip·x, folded into one linear form of (x, m).
    const denoisedInput = cOut * originalSample.input + cSkip;
    const denoisedOutput = cOut * originalSample.output;

    const length = sample.length;
    const denoised = this.denoisedBuffer.take(length);
    for (let i = 0; i < length; i++) {
      denoised[i] = denoisedInput * (sample[i] as number) + denoisedOutput * (modelOutput[i] as number);
    }
    this.cursor.advance();

    const next = this.timesteps[index + 1];
    if (next === undefined) return { prevSample: denoised, predOriginalSample: denoised };

    const nextAlphaCumprod = this.schedule.alphaCumprodAt(next);
    const signal = Math.sqrt(nextAlphaCumprod);
    const spread = Math.sqrt(1 - nextAlphaCumprod);
    const noise = fillNoise(this.noiseBuffer.take(length), rng);
    const prev = this.prevBuffer.take(length);
    for (let i = 0; i < length; i++) prev[i] = signal * (denoised[i] as number) + spread * (noise[i] as number);
    return { prevSample: prev, predOriginalSample: denoised };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const t = this.timesteps[this.cursor.indexOf(timestep, 'addNoise')] ?? Number.NaN;
    return mixNoise(original, noise, this.schedule.alphaCumprodAt(t));
  }
}
