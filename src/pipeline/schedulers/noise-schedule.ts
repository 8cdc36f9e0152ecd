// The discrete training-time noise schedule (β → ᾱ → σ), shared by every scheduler.
// Computed in float64 once per job; schedulers read it, never write it.
import type { SchedulerConfig } from './scheduler.js';

export type NoiseScheduleConfig = Pick<SchedulerConfig, 'numTrainTimesteps' | 'betaStart' | 'betaEnd' | 'betaSchedule'>;

/** log σ is floored here before interpolating, as diffusers does, so σ = 0 maps to t = 0. */
const MIN_SIGMA_FOR_LOG = 1e-10;

export class NoiseSchedule {
  /** ᾱ[t] = ∏(1 − β) for t = 0 … numTrainTimesteps − 1. */
  readonly alphasCumprod: Float64Array;
  /** σ[t] = √((1 − ᾱ)/ᾱ), rising with t. */
  readonly sigmas: Float64Array;
  private readonly logSigmas: Float64Array;

  constructor(config: NoiseScheduleConfig) {
    const count = config.numTrainTimesteps;
    if (!Number.isInteger(count) || count < 2) {
      throw new RangeError(`numTrainTimesteps must be an integer ≥ 2, got ${count}`);
    }
    const betas = trainingBetas(config);
    this.alphasCumprod = new Float64Array(count);
    this.sigmas = new Float64Array(count);
    this.logSigmas = new Float64Array(count);
    let product = 1;
    for (let t = 0; t < count; t++) {
      product *= 1 - (betas[t] ?? 0);
      const sigma = Math.sqrt((1 - product) / product);
      this.alphasCumprod[t] = product;
      this.sigmas[t] = sigma;
      this.logSigmas[t] = Math.log(sigma);
    }
  }

  get numTrainTimesteps(): number {
    return this.sigmas.length;
  }

  get sigmaMin(): number {
    return this.sigmas[0] ?? 0;
  }

  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1] ?? 0;
  }

  /** ᾱ at an integer training timestep. */
  alphaCumprodAt(timestep: number): number {
    const value = this.alphasCumprod[timestep];
    if (value === undefined || !Number.isInteger(timestep)) {
      throw new RangeError(`timestep must be an integer in [0, ${this.numTrainTimesteps - 1}], got ${timestep}`);
    }
    return value;
  }

  /** σ at a possibly fractional timestep: linear interpolation of the table, clamped at both ends. */
  sigmaAt(timestep: number): number {
    const last = this.sigmas.length - 1;
    if (timestep <= 0) return this.sigmaMin;
    if (timestep >= last) return this.sigmaMax;
    const low = Math.floor(timestep);
    const weight = timestep - low;
    const below = this.sigmas[low] ?? 0;
    const above = this.sigmas[low + 1] ?? 0;
    return below + weight * (above - below);
  }

  /** The fractional timestep whose σ is `sigma`, interpolating linearly in log σ (diffusers `_sigma_to_t`). */
  timestepForSigma(sigma: number): number {
    const logSigma = Math.log(Math.max(sigma, MIN_SIGMA_FOR_LOG));
    const table = this.logSigmas;
    // Largest index whose log σ is ≤ logSigma, kept one below the end so there is an upper neighbour.
    let low = 0;
    while (low < table.length - 2 && (table[low + 1] ?? Infinity) <= logSigma) low++;
    const below = table[low] ?? 0;
    const above = table[low + 1] ?? 0;
    const weight = Math.min(1, Math.max(0, (below - logSigma) / (below - above)));
    return low + weight;
  }
}

/** β for each training step; numpy-linspace semantics (the last point is exactly the end). */
function trainingBetas(config: NoiseScheduleConfig): Float64Array {
  const count = config.numTrainTimesteps;
  const scaled = config.betaSchedule === 'scaled_linear';
  const start = scaled ? Math.sqrt(config.betaStart) : config.betaStart;
  const end = scaled ? Math.sqrt(config.betaEnd) : config.betaEnd;
  const stride = (end - start) / (count - 1);
  const betas = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    const value = t === count - 1 ? end : start + t * stride;
    betas[t] = scaled ? value * value : value;
  }
  return betas;
}
