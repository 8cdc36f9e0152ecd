// The one interface every scheduler implements (diffusers' habit: one file per scheduler, same shape).
import type { Rng } from '../sd/rng.js';

export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'v_prediction';
export type BetaSchedule = 'scaled_linear' | 'linear';

/**
 * The parts of diffusers' scheduler_config.json that change the math.
 * Optional fields fall back to the default of the diffusers class the scheduler mirrors, as
 * `from_config` does when the key is missing (SD1.5's config has no `timestep_spacing`).
 */
export interface SchedulerConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  /** Class defaults: Euler, Euler a, DPM++ "linspace"; DDIM, LCM "leading". */
  readonly timestepSpacing?: TimestepSpacing;
  readonly stepsOffset: number;
  readonly predictionType: PredictionType;
  /** DDIM: ᾱ after the last step is 1 instead of ᾱ[0]. Class default true. */
  readonly setAlphaToOne?: boolean;
  /** LCM: the distillation schedule's step count (diffusers `original_inference_steps`). */
  readonly originalInferenceSteps: number;
  /** LCM: boundary-condition scaling (diffusers `timestep_scaling`). */
  readonly timestepScaling: number;
  /** DPM++: Karras σ spacing. `createScheduler` sets it from the sampler name. Default false. */
  readonly useKarrasSigmas?: boolean;
}

/**
 * Where the scheduler's own Gaussian noise comes from (Euler a, LCM). One Rng serves the whole
 * batch; an array gives each image of the batch its own stream: the sample is split into
 * `length` equal parts, so image k of a batch matches a single-image run with that image's Rng.
 */
export type NoiseSource = Rng | readonly Rng[];

export interface SchedulerStepResult {
  readonly prevSample: Float32Array;
  /** The model's clean-image estimate at this step (LCM: its denoised output). */
  readonly predOriginalSample: Float32Array;
}

/**
 * A sampler for one job; create a fresh one per job.
 *
 * Buffer ownership: `scaleModelInput` and `step` write into buffers the scheduler owns and reuses,
 * so a returned array is read-only to the caller and valid until the next call of the same method
 * (`scaleModelInput` may also return `sample` itself). Passing the previous `prevSample` back in as
 * `sample` is supported; copy anything that must outlive the next step. `addNoise` returns a new
 * array. Arrays may hold a whole batch: every operation is element-wise.
 */
export interface Scheduler {
  /** 1 for single-step methods, 2 for second-order multistep. */
  readonly order: number;
  /** Standard deviation of the initial noise (σmax-based for Euler-type, 1 for DDIM/DPM/LCM). Needs `setTimesteps`. */
  readonly initNoiseSigma: number;
  /**
   * Timesteps the UNet is called with, in calling order; empty before `setTimesteps`.
   * Fractional for Euler with linspace spacing; round them when the UNet takes int64, but pass the
   * listed value back to `scaleModelInput` and `step`.
   */
  readonly timesteps: readonly number[];
  /** Builds the schedule and resets all stepping state. */
  setTimesteps(numInferenceSteps: number): void;
  /** img2img: start denoising at this index of `timesteps` (diffusers `set_begin_index`); multistep history starts clean. */
  setBeginIndex(index: number): void;
  /** Input to the UNet for the current step. `timestep` must be the current entry of `timesteps`. */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /** Advances one step. Throws if `setTimesteps` was never called or `timestep` is not the current one. */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, rng: NoiseSource): SchedulerStepResult;
  /** img2img: noise clean latents to the level the scheduler assumes at `timestep`, an entry of `timesteps`. */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}
