// Closed-form stand-ins for the UNet, built on their own σ table (not the one under test).
import type { PredictionType, Scheduler, SchedulerConfig, SchedulerStepResult, NoiseSource } from '../../../../src/pipeline/schedulers/scheduler.js';

export const SD_CONFIG: SchedulerConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  stepsOffset: 1,
  predictionType: 'epsilon',
  setAlphaToOne: false,
  originalInferenceSteps: 50,
  timestepScaling: 10,
};

const TRAIN_STEPS = 1000;

/** SD's σ table, from β = linspace(√0.00085, √0.012, 1000)². */
const SIGMA_TABLE: Float64Array = (() => {
  const table = new Float64Array(TRAIN_STEPS);
  const low = Math.sqrt(0.00085);
  const high = Math.sqrt(0.012);
  let alphaCumprod = 1;
  for (let t = 0; t < TRAIN_STEPS; t++) {
    const beta = (low + ((high - low) * t) / (TRAIN_STEPS - 1)) ** 2;
    alphaCumprod *= 1 - beta;
    table[t] = Math.sqrt((1 - alphaCumprod) / alphaCumprod);
  }
  return table;
})();

/** σ at fractional t by linear interpolation, t clamped to [0, 999]. */
export function referenceSigma(t: number): number {
  const clamped = Math.min(TRAIN_STEPS - 1, Math.max(0, t));
  const low = Math.min(Math.floor(clamped), TRAIN_STEPS - 2);
  const weight = clamped - low;
  return (SIGMA_TABLE[low] as number) * (1 - weight) + (SIGMA_TABLE[low + 1] as number) * weight;
}

export function referenceAlphaCumprod(t: number): number {
  const sigma = referenceSigma(t);
  return 1 / (1 + sigma * sigma);
}

/** A model that maps its VP input and timestep to ε, then expresses it as the configured output. */
export abstract class ClosedFormModel {
  /** ε behind the most recent output, for DDIM's last-step residual. */
  lastEpsilon: Float32Array = new Float32Array(0);

  constructor(private readonly predictionType: PredictionType) {}

  predict(input: Float32Array, t: number): Float32Array {
    const alphaCumprod = referenceAlphaCumprod(t);
    const alpha = Math.sqrt(alphaCumprod);
    const spread = Math.sqrt(1 - alphaCumprod);
    const epsilon = this.epsilon(input, alpha, spread);
    this.lastEpsilon = epsilon;
    if (this.predictionType === 'epsilon') return Float32Array.from(epsilon);
    // v = √ᾱ·ε − √(1 − ᾱ)·x0, with x0 = (x − √(1 − ᾱ)·ε)/√ᾱ
    return epsilon.map((e, i) => alpha * e - spread * (((input[i] as number) - spread * e) / alpha));
  }

  protected abstract epsilon(input: Float32Array, alpha: number, spread: number): Float32Array;
}

/** The data distribution is one point x0: the exact ε is (x − √ᾱ·x0)/√(1 − ᾱ). */
export class PointOracle extends ClosedFormModel {
  constructor(
    private readonly x0: Float32Array,
    predictionType: PredictionType,
  ) {
    super(predictionType);
  }

  protected epsilon(input: Float32Array, alpha: number, spread: number): Float32Array {
    return input.map((x, i) => (x - alpha * (this.x0[i] as number)) / spread);
  }
}

/**
 * Data ~ N(mean, std²) per element: the exact ε is E[noise | x] = s·(x − α·mean)/(α²·std² + s²).
 * Its probability-flow ODE has a closed-form end point, see `odeEndPoint`.
 */
export class GaussianOracle extends ClosedFormModel {
  constructor(
    private readonly mean: number,
    private readonly std: number,
    predictionType: PredictionType,
  ) {
    super(predictionType);
  }

  protected epsilon(input: Float32Array, alpha: number, spread: number): Float32Array {
    const variance = alpha * alpha * this.std * this.std + spread * spread;
    return input.map((x) => (spread * (x - alpha * this.mean)) / variance);
  }

  /** Where the ODE from y (VE sample at noise level σ) arrives at σ = 0. */
  odeEndPoint(y: number, sigma: number): number {
    return this.mean + ((y - this.mean) * this.std) / Math.sqrt(this.std * this.std + sigma * sigma);
  }
}

export interface RunResult {
  readonly sample: Float32Array;
  readonly last: SchedulerStepResult;
  readonly unetCalls: number;
}

/** The denoising loop as the pipeline runs it, from `fromIndex` of the scheduler's timesteps. */
export function denoise(
  scheduler: Scheduler,
  model: ClosedFormModel,
  latents: Float32Array,
  rng: NoiseSource,
  fromIndex = 0,
  toIndex = scheduler.timesteps.length,
): RunResult {
  let sample = latents;
  let last: SchedulerStepResult | undefined;
  const timesteps = scheduler.timesteps.slice(fromIndex, toIndex);
  for (const t of timesteps) {
    const output = model.predict(scheduler.scaleModelInput(sample, t), t);
    last = scheduler.step(output, t, sample, rng);
    sample = last.prevSample;
  }
  if (last === undefined) throw new Error('no steps were run');
  return { sample: Float32Array.from(sample), last, unetCalls: timesteps.length };
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
