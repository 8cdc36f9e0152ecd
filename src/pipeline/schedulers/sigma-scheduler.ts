// Shared half of the Euler-type (k-diffusion, VE) schedulers: the sample lives at noise level σ,
// the UNet sees x/√(σ² + 1), and each run ends at σ = 0. Subclasses supply the step rule.
import { NoiseSchedule } from './noise-schedule.js';
import { FloatBuffer } from './float-buffer.js';
import { predictionForms, vpFromSigma } from './prediction.js';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStepResult, TimestepSpacing } from './scheduler.js';
import { StepCursor } from './step-cursor.js';
import { spacedTimesteps } from './timestep-spacing.js';

/** diffusers' EulerDiscrete/EulerAncestralDiscrete default when the config has no `timestep_spacing`. */
const DEFAULT_SPACING: TimestepSpacing = 'linspace';

/** Coefficients of one Euler-type step, x0 = x0Input·x + x0Output·m. */
export interface SigmaStep {
  readonly index: number;
  readonly sigma: number;
  readonly nextSigma: number;
  readonly x0Input: number;
  readonly x0Output: number;
}

export abstract class SigmaScheduler implements Scheduler {
  readonly order = 1;
  protected readonly cursor: StepCursor;
  protected readonly prevBuffer = new FloatBuffer();
  protected readonly originalBuffer = new FloatBuffer();
  private readonly schedule: NoiseSchedule;
  private readonly scaledBuffer = new FloatBuffer();
  /** σ for each step, then the final 0. */
  private stepSigmas: readonly number[] = [];
  private initSigma: number | undefined;

  protected constructor(
    protected readonly name: string,
    protected readonly config: SchedulerConfig,
  ) {
    this.schedule = new NoiseSchedule(config);
    this.cursor = new StepCursor(name);
  }

  get timesteps(): readonly number[] {
    return this.cursor.timesteps;
  }

  /** σ at each timestep followed by the final 0; empty before setTimesteps. */
  get sigmas(): readonly number[] {
    return this.stepSigmas;
  }

  get initNoiseSigma(): number {
    if (this.initSigma === undefined) throw new Error(`${this.name}.initNoiseSigma read before setTimesteps()`);
    return this.initSigma;
  }

  setTimesteps(numInferenceSteps: number): void {
    const spacing = this.config.timestepSpacing ?? DEFAULT_SPACING;
    const timesteps = spacedTimesteps({
      spacing,
      numInferenceSteps,
      numTrainTimesteps: this.config.numTrainTimesteps,
      stepsOffset: this.config.stepsOffset,
      fractional: true,
    });
    const sigmas = timesteps.map((t) => this.schedule.sigmaAt(t));
    const maxSigma = Math.max(...sigmas);
    // diffusers' rule: √(σ² + 1) for leading spacing, the plain first σ for linspace and trailing.
    this.initSigma = spacing === 'leading' ? Math.sqrt(maxSigma * maxSigma + 1) : maxSigma;
    this.stepSigmas = Object.freeze([...sigmas, 0]);
    this.cursor.reset(timesteps);
  }

  setBeginIndex(index: number): void {
    this.cursor.setBeginIndex(index);
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmaAtIndex(this.cursor.current(timestep, 'scaleModelInput'));
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    const out = this.scaledBuffer.take(sample.length);
    for (let i = 0; i < sample.length; i++) out[i] = (sample[i] as number) * scale;
    return out;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmaAtIndex(this.cursor.indexOf(timestep, 'addNoise'));
    if (noise.length !== original.length) {
      throw new RangeError(`${this.name}.addNoise(): ${original.length} latent values but ${noise.length} noise values`);
    }
    const out = new Float32Array(original.length);
    for (let i = 0; i < original.length; i++) out[i] = (original[i] as number) + sigma * (noise[i] as number);
    return out;
  }

  abstract step(modelOutput: Float32Array, timestep: number, sample: Float32Array, rng: NoiseSource): SchedulerStepResult;

  /** Locates the current step and the x0 coefficients for it, in terms of the unscaled sample. */
  protected beginStep(timestep: number): SigmaStep {
    const index = this.cursor.current(timestep, 'step');
    const sigma = this.sigmaAtIndex(index);
    const { alpha, sigmaVp } = vpFromSigma(sigma);
    const { originalSample } = predictionForms(this.config.predictionType, alpha, sigmaVp);
    // The UNet saw α·x, so fold α into the input coefficient.
    return {
      index,
      sigma,
      nextSigma: this.sigmaAtIndex(index + 1),
      x0Input: originalSample.input * alpha,
      x0Output: originalSample.output,
    };
  }

  private sigmaAtIndex(index: number): number {
    const sigma = this.stepSigmas[index];
    if (sigma === undefined) throw new RangeError(`${this.name}: no σ for step ${index}`);
    return sigma;
  }
}
