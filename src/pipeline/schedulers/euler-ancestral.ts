// Euler a (diffusers EulerAncestralDiscreteScheduler): an Euler step down to σdown, then fresh
// noise up to σnext, so each step forgets part of the past and images vary with the seed.
import { FloatBuffer } from './float-buffer.js';
import { fillNoise } from './noise-source.js';
import { assertSameLength } from './sample-checks.js';
import type { NoiseSource, SchedulerConfig, SchedulerStepResult } from './scheduler.js';
import { SigmaScheduler } from './sigma-scheduler.js';

export class EulerAncestralScheduler extends SigmaScheduler {
  private readonly noiseBuffer = new FloatBuffer();

  constructor(config: SchedulerConfig) {
    super('EulerAncestralScheduler', config);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, rng: NoiseSource): SchedulerStepResult {
    assertSameLength(this.name, modelOutput, sample);
    const { sigma, nextSigma, x0Input, x0Output } = this.beginStep(timestep);
    const sigmaUp = Math.sqrt((nextSigma * nextSigma * (sigma * sigma - nextSigma * nextSigma)) / (sigma * sigma));
    const sigmaDown = Math.sqrt(nextSigma * nextSigma - sigmaUp * sigmaUp);
    const ratio = (sigmaDown - sigma) / sigma;
    // The last step lands on σ = 0 with σup = 0: no noise is drawn for it.
    const noise = sigmaUp > 0 ? fillNoise(this.noiseBuffer.take(sample.length), rng) : undefined;
    const prev = this.prevBuffer.take(sample.length);
    const original = this.originalBuffer.take(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      const x0 = x0Input * x + x0Output * (modelOutput[i] as number);
      original[i] = x0;
      prev[i] = x + ratio * (x - x0);
    }
    if (noise !== undefined) {
      for (let i = 0; i < sample.length; i++) prev[i] = (prev[i] as number) + sigmaUp * (noise[i] as number);
    }
    this.cursor.advance();
    return { prevSample: prev, predOriginalSample: original };
  }
}
