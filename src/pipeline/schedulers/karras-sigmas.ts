// Karras et al. (2022) σ spacing: uniform in σ^(1/ρ), which spends more steps at low noise.
import { linspace } from './grid.js';

/** ρ = 7, the value from the paper that diffusers and A1111 use. */
const KARRAS_RHO = 7;

/** `count` σ values from `sigmaMax` down to `sigmaMin`. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, count: number): number[] {
  const minInvRho = sigmaMin ** (1 / KARRAS_RHO);
  const maxInvRho = sigmaMax ** (1 / KARRAS_RHO);
  return linspace(0, 1, count).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** KARRAS_RHO);
}
