// Which training timesteps a run of N inference steps visits (diffusers `timestep_spacing`,
// Table 2 of "Common Diffusion Noise Schedules and Sample Steps are Flawed").
import type { TimestepSpacing } from './scheduler.js';
import { arange, linspace, roundHalfEven } from './grid.js';

export interface SpacingOptions {
  readonly spacing: TimestepSpacing;
  readonly numInferenceSteps: number;
  readonly numTrainTimesteps: number;
  /** Added to leading timesteps only, as diffusers does. */
  readonly stepsOffset: number;
  /** Keep linspace's fractional timesteps (Euler) instead of rounding them (DDIM). */
  readonly fractional: boolean;
}

/** Timesteps in calling order (high noise first), as Euler and DDIM space them. */
export function spacedTimesteps(options: SpacingOptions): number[] {
  const { spacing, numInferenceSteps: steps, numTrainTimesteps: train, stepsOffset } = options;
  assertStepCount(steps, train);
  let timesteps: number[];
  switch (spacing) {
    case 'linspace': {
      const points = linspace(0, train - 1, steps).reverse();
      timesteps = options.fractional ? points : points.map(roundHalfEven);
      break;
    }
    case 'leading': {
      const ratio = Math.floor(train / steps);
      timesteps = arange(0, ratio, steps).reverse().map((t) => t + stepsOffset);
      break;
    }
    case 'trailing': {
      const ratio = train / steps;
      timesteps = arange(train, -ratio, steps).map((t) => roundHalfEven(t) - 1);
      break;
    }
  }
  return assertInRange(timesteps, train, spacing, stepsOffset);
}

/**
 * DPMSolverMultistep's variant: it spaces N + 1 points and drops the last (t = 0 or the offset),
 * so its linspace/leading grids differ from Euler's and DDIM's.
 */
export function multistepSpacedTimesteps(options: Omit<SpacingOptions, 'fractional'>): number[] {
  const { spacing, numInferenceSteps: steps, numTrainTimesteps: train, stepsOffset } = options;
  assertStepCount(steps, train);
  let timesteps: number[];
  switch (spacing) {
    case 'linspace':
      timesteps = linspace(0, train - 1, steps + 1).map(roundHalfEven).reverse().slice(0, steps);
      break;
    case 'leading': {
      const ratio = Math.floor(train / (steps + 1));
      timesteps = arange(0, ratio, steps + 1).reverse().slice(0, steps).map((t) => t + stepsOffset);
      break;
    }
    case 'trailing':
      return spacedTimesteps({ ...options, fractional: false });
  }
  return assertInRange(timesteps, train, spacing, stepsOffset);
}

function assertStepCount(steps: number, train: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > train) {
    throw new RangeError(`numInferenceSteps must be an integer in [1, ${train}], got ${steps}`);
  }
}

function assertInRange(timesteps: number[], train: number, spacing: TimestepSpacing, offset: number): number[] {
  const outside = timesteps.find((t) => t < 0 || t > train - 1);
  if (outside !== undefined) {
    throw new RangeError(
      `${spacing} spacing with steps_offset ${offset} reaches timestep ${outside}, outside the ${train} training timesteps`,
    );
  }
  return timesteps;
}
