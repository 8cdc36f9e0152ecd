// DPM++ 2M (diffusers DPMSolverMultistepScheduler: dpmsolver++, solver_order 2, midpoint,
// final_sigmas_type "zero", lower_order_final). Serves `dpmpp_2m` and, with useKarrasSigmas,
// `dpmpp_2m_karras`. Second order from the x0 estimates of this step and the previous one.
import { NoiseSchedule } from './noise-schedule.js';
import { FloatBuffer } from './float-buffer.js';
import { mixNoise } from './forward-noise.js';
import { roundHalfEven } from './grid.js';
import { karrasSigmas } from './karras-sigmas.js';
import { predictionForms, vpFromSigma } from './prediction.js';
import { assertSameLength } from './sample-checks.js';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStepResult, TimestepSpacing } from './scheduler.js';
import { StepCursor } from './step-cursor.js';
import { multistepSpacedTimesteps } from './timestep-spacing.js';

const NAME = 'DpmSolverMultistepScheduler';
/** diffusers DPMSolverMultistepScheduler default when the config has no `timestep_spacing`. */
const DEFAULT_SPACING: TimestepSpacing = 'linspace';
const SOLVER_ORDER = 2;

export class DpmSolverMultistepScheduler implements Scheduler {
  readonly order = SOLVER_ORDER;
  readonly initNoiseSigma = 1;
  private readonly schedule: NoiseSchedule;
  private readonly cursor = new StepCursor(NAME);
  private readonly prevBuffer = new FloatBuffer();
  /** x0 estimates of the current and the previous step; they swap roles every step. */
  private currentOriginal = new FloatBuffer();
  private previousOriginal = new FloatBuffer();
  /** σ (VE) for each step, then the final 0. */
  private stepSigmas: readonly number[] = [];
  /** How many x0 estimates of this run are stored (0 … SOLVER_ORDER). */
  private lowerOrderNums = 0;

  constructor(private readonly config: SchedulerConfig) {
    this.schedule = new NoiseSchedule(config);
  }

  get timesteps(): readonly number[] {
    return this.cursor.timesteps;
  }

  /** σ at each timestep followed by the final 0; empty before setTimesteps. */
  get sigmas(): readonly number[] {
    return this.stepSigmas;
  }

  setTimesteps(numInferenceSteps: number): void {
    let timesteps: number[];
    let sigmas: number[];
    if (this.config.useKarrasSigmas === true) {
      sigmas = karrasSigmas(this.schedule.sigmaMin, this.schedule.sigmaMax, numInferenceSteps);
      // The σ values stay exact; only the timestep handed to the UNet is rounded.
      timesteps = sigmas.map((sigma) => roundHalfEven(this.schedule.timestepForSigma(sigma)));
    } else {
      timesteps = multistepSpacedTimesteps({
        spacing: this.config.timestepSpacing ?? DEFAULT_SPACING,
        numInferenceSteps,
        numTrainTimesteps: this.config.numTrainTimesteps,
        stepsOffset: this.config.stepsOffset,
      });
      sigmas = timesteps.map((t) => this.schedule.sigmaAt(t));
    }
    this.stepSigmas = Object.freeze([...sigmas, 0]);
    this.cursor.reset(timesteps);
    this.lowerOrderNums = 0;
  }

  setBeginIndex(index: number): void {
    this.cursor.setBeginIndex(index);
    this.lowerOrderNums = 0;
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    this.cursor.current(timestep, 'scaleModelInput');
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _rng: NoiseSource): SchedulerStepResult {
    assertSameLength(NAME, modelOutput, sample);
    const index = this.cursor.current(timestep, 'step');
    const length = sample.length;
    const sigmaS0 = this.sigmaAt(index);
    const sigmaT = this.sigmaAt(index + 1);
    const s0 = vpFromSigma(sigmaS0);
    const t = vpFromSigma(sigmaT);
    const { originalSample } = predictionForms(this.config.predictionType, s0.alpha, s0.sigmaVp);

    // First order without history, and at the last step: it goes to σ = 0, where x = x0 is exact
    // (diffusers' lower_order_final with final_sigmas_type "zero").
    const secondOrder = this.lowerOrderNums >= 1 && sigmaT > 0;
    const current = this.currentOriginal.take(length);
    const previous = this.previousOriginal.take(length);

    // x_t = (s_t/s_s0)·x − α_t(e^(−h) − 1)·(D0 + ½·D1), D1 = (m0 − m1)/r0; at σ_t = 0 this is x_t = m0.
    let sampleCoefficient = 0;
    let originalCoefficient = 1;
    let differenceCoefficient = 0;
    if (sigmaT > 0) {
      const lambdaT = Math.log(t.alpha) - Math.log(t.sigmaVp);
      const lambdaS0 = Math.log(s0.alpha) - Math.log(s0.sigmaVp);
      const h = lambdaT - lambdaS0;
      const decay = Math.expm1(-h);
      sampleCoefficient = t.sigmaVp / s0.sigmaVp;
      originalCoefficient = -t.alpha * decay;
      if (secondOrder) {
        const s1 = vpFromSigma(this.sigmaAt(index - 1));
        const lambdaS1 = Math.log(s1.alpha) - Math.log(s1.sigmaVp);
        const r0 = (lambdaS0 - lambdaS1) / h;
        differenceCoefficient = (-0.5 * t.alpha * decay) / r0;
      }
    }

    const prev = this.prevBuffer.take(length);
    for (let i = 0; i < length; i++) {
      const x = sample[i] as number;
      const m0 = originalSample.input * x + originalSample.output * (modelOutput[i] as number);
      current[i] = m0;
      const difference = secondOrder ? m0 - (previous[i] as number) : 0;
      prev[i] = sampleCoefficient * x + originalCoefficient * m0 + differenceCoefficient * difference;
    }

    [this.currentOriginal, this.previousOriginal] = [this.previousOriginal, this.currentOriginal];
    this.lowerOrderNums = Math.min(this.lowerOrderNums + 1, SOLVER_ORDER);
    this.cursor.advance();
    return { prevSample: prev, predOriginalSample: current };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmaAt(this.cursor.indexOf(timestep, 'addNoise'));
    return mixNoise(original, noise, 1 / (sigma * sigma + 1));
  }

  private sigmaAt(index: number): number {
    const sigma = this.stepSigmas[index];
    if (sigma === undefined) throw new RangeError(`${NAME}: no σ for step ${index}`);
    return sigma;
  }
}
