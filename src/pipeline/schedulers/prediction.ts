// What the UNet predicts, turned into x0 and ε. All parameterisations are linear in the UNet's input
// x and output m, so each is a pair of coefficients and the hot loops stay branch-free.
import type { PredictionType } from './scheduler.js';

/** value = input · x + output · m */
export interface LinearForm {
  readonly input: number;
  readonly output: number;
}

export interface PredictionForms {
  readonly originalSample: LinearForm;
  readonly epsilon: LinearForm;
}

/**
 * For a UNet input x = α·x0 + s·ε (VP form, α² + s² = 1) and its output m (ε or v = α·ε − s·x0).
 */
export function predictionForms(type: PredictionType, alpha: number, sigmaVp: number): PredictionForms {
  switch (type) {
    case 'epsilon':
      return {
        originalSample: { input: 1 / alpha, output: -sigmaVp / alpha },
        epsilon: { input: 0, output: 1 },
      };
    case 'v_prediction':
      return {
        originalSample: { input: alpha, output: -sigmaVp },
        epsilon: { input: sigmaVp, output: alpha },
      };
  }
}

/** VP (α, s) for a VE noise level σ: α = 1/√(σ² + 1), s = σ·α. */
export function vpFromSigma(sigma: number): { readonly alpha: number; readonly sigmaVp: number } {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  return { alpha, sigmaVp: sigma * alpha };
}
