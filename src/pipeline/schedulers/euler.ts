// Euler (diffusers EulerDiscreteScheduler, A1111 "Euler"): first-order ODE steps in σ.
import { assertSameLength } from './sample-checks.js';
import type { NoiseSource, SchedulerConfig, SchedulerStepResult } from './scheduler.js';
import { SigmaScheduler } from './sigma-scheduler.js';

export class EulerScheduler extends SigmaScheduler {
  constructor(config: SchedulerConfig) {
    super('EulerScheduler', config);
  }

  // Deterministic: the noise source is unused.
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _rng: NoiseSource): SchedulerStepResult {
    assertSameLength(this.name, modelOutput, sample);
    const { sigma, nextSigma, x0Input, x0Output } = this.beginStep(timestep);
    // x' = x + (x − x0)/σ · (σnext − σ)
    const ratio = (nextSigma - sigma) / sigma;
    const prev = this.prevBuffer.take(sample.length);
    const original = this.originalBuffer.take(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      const x0 = x0Input * x + x0Output * (modelOutput[i] as number);
      original[i] = x0;
      prev[i] = x + ratio * (x - x0);
    }
    this.cursor.advance();
    return { prevSample: prev, predOriginalSample: original };
  }
}
