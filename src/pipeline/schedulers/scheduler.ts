// The one interface every scheduler implements (diffusers' habit: one file per scheduler, same shape).
import type { Rng } from '../rng.js';

export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'v_prediction';

/** The parts of diffusers' scheduler_config.json that change the math. */
export interface SchedulerConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: 'scaled_linear' | 'linear';
  readonly timestepSpacing: TimestepSpacing;
  readonly stepsOffset: number;
  readonly predictionType: PredictionType;
  readonly setAlphaToOne: boolean;
  /** LCM: the distillation schedule's step count (diffusers `original_inference_steps`). */
  readonly originalInferenceSteps: number;
  /** LCM: boundary-condition scaling (diffusers `timestep_scaling`). */
  readonly timestepScaling: number;
}

export interface SchedulerStepResult {
  readonly prevSample: Float32Array;
  readonly predOriginalSample: Float32Array;
}

export interface Scheduler {
  /** 1 for single-step methods, 2 for second-order multistep. */
  readonly order: number;
  /** Standard deviation of the initial noise (σmax-based for Euler-type, 1 for DDIM/LCM). */
  readonly initNoiseSigma: number;
  /** Timesteps the UNet is called with, in calling order. Fractional for Euler with linspace/Karras. */
  readonly timesteps: readonly number[];
  setTimesteps(numInferenceSteps: number): void;
  /** img2img: start denoising at this index of `timesteps` (diffusers `set_begin_index`). */
  setBeginIndex(index: number): void;
  /** Input to the UNet for the current step. May return `sample` itself when no scaling applies. */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, rng: Rng): SchedulerStepResult;
  /** img2img: noise clean latents to the level of `timestep` (diffusers `add_noise`). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}
