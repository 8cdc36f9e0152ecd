// The step rules themselves, checked against DESIGN.md's formulas evaluated here with the test's
// own σ table, and against each other where two samplers are the same method in disguise.
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../../src/pipeline/sd/rng.js';
import { DdimScheduler } from '../../../../src/pipeline/schedulers/ddim.js';
import { DpmSolverMultistepScheduler } from '../../../../src/pipeline/schedulers/dpmpp-2m.js';
import { EulerAncestralScheduler } from '../../../../src/pipeline/schedulers/euler-ancestral.js';
import { EulerScheduler } from '../../../../src/pipeline/schedulers/euler.js';
import { LcmScheduler } from '../../../../src/pipeline/schedulers/lcm.js';
import type { Scheduler, SchedulerConfig } from '../../../../src/pipeline/schedulers/scheduler.js';
import {
  GaussianOracle,
  SD_CONFIG,
  denoise,
  maxAbsDifference,
  referenceAlphaCumprod,
  referenceSigma,
} from './oracle-model.js';

const VALUES = 256;
const DATA_MEAN = 0.3;
const DATA_STD = 0.5;
const TRAILING: SchedulerConfig = { ...SD_CONFIG, timestepSpacing: 'trailing', setAlphaToOne: true };

const noise = (seed: number): Float32Array => new SeededRng(seed).fillGaussian(new Float32Array(VALUES));
const scaled = (values: Float32Array, factor: number): Float32Array => values.map((v) => v * factor);
const model = (): GaussianOracle => new GaussianOracle(DATA_MEAN, DATA_STD, 'epsilon');

/** The (α, s) of the VP form at VE noise level σ. */
const vp = (sigma: number): { alpha: number; s: number; lambda: number } => {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  return { alpha, s: sigma * alpha, lambda: -Math.log(sigma) };
};

function firstStep(scheduler: Scheduler, sample: Float32Array, oracle: GaussianOracle, rng = new SeededRng(1)) {
  const t = scheduler.timesteps[0] as number;
  const output = oracle.predict(scheduler.scaleModelInput(sample, t), t);
  return { t, output, result: scheduler.step(output, t, sample, rng) };
}

describe('Euler', () => {
  it('takes x0 = x − σε and x′ = x + (x − x0)/σ·(σnext − σ), feeding the UNet x/√(σ² + 1)', () => {
    const scheduler = new EulerScheduler(TRAILING);
    scheduler.setTimesteps(10);
    const [t0, t1] = scheduler.timesteps as [number, number];
    const sigma = referenceSigma(t0);
    const next = referenceSigma(t1);
    const sample = scaled(noise(1), scheduler.initNoiseSigma);
    const input = Float32Array.from(scheduler.scaleModelInput(sample, t0));
    expect(maxAbsDifference(input, scaled(sample, 1 / Math.sqrt(sigma * sigma + 1)))).toBeLessThan(1e-6);
    const epsilon = model().predict(input, t0);
    const { prevSample, predOriginalSample } = scheduler.step(epsilon, t0, sample, new SeededRng(1));
    const x0 = sample.map((x, i) => x - sigma * (epsilon[i] as number));
    expect(maxAbsDifference(predOriginalSample, x0)).toBeLessThan(1e-5);
    expect(maxAbsDifference(prevSample, sample.map((x, i) => x + ((x - (x0[i] as number)) / sigma) * (next - sigma)))).toBeLessThan(1e-5);
  });

  it('and DDIM are the same ODE step: on one timestep grid they predict the same x0 every step', () => {
    const euler = new EulerScheduler(TRAILING);
    const ddim = new DdimScheduler(TRAILING);
    euler.setTimesteps(10);
    ddim.setTimesteps(10);
    expect(euler.timesteps).toEqual(ddim.timesteps);
    const oracle = model();
    let eulerSample = scaled(noise(1), euler.initNoiseSigma);
    // The same state in VP form: x = y/√(σ² + 1).
    let ddimSample = scaled(eulerSample, 1 / Math.sqrt(euler.initNoiseSigma ** 2 + 1));
    euler.timesteps.forEach((t) => {
      const a = euler.step(oracle.predict(euler.scaleModelInput(eulerSample, t), t), t, eulerSample, new SeededRng(1));
      const b = ddim.step(oracle.predict(ddim.scaleModelInput(ddimSample, t), t), t, ddimSample, new SeededRng(1));
      expect(maxAbsDifference(a.predOriginalSample, b.predOriginalSample)).toBeLessThan(1e-4);
      eulerSample = Float32Array.from(a.prevSample);
      ddimSample = Float32Array.from(b.prevSample);
    });
    expect(maxAbsDifference(eulerSample, ddimSample)).toBeLessThan(1e-4);
  });

  it('v-prediction: x0 = −σ/√(σ² + 1)·v + x/(σ² + 1)', () => {
    const scheduler = new EulerScheduler({ ...TRAILING, predictionType: 'v_prediction' });
    scheduler.setTimesteps(10);
    const sample = scaled(noise(1), scheduler.initNoiseSigma);
    const t = scheduler.timesteps[0] as number;
    const sigma = referenceSigma(t);
    const v = new GaussianOracle(DATA_MEAN, DATA_STD, 'v_prediction').predict(scheduler.scaleModelInput(sample, t), t);
    const { predOriginalSample } = scheduler.step(v, t, sample, new SeededRng(1));
    const expected = sample.map((x, i) => (-sigma / Math.sqrt(sigma * sigma + 1)) * (v[i] as number) + x / (sigma * sigma + 1));
    expect(maxAbsDifference(predOriginalSample, expected)).toBeLessThan(1e-5);
  });
});

describe('Euler a', () => {
  it('steps to σdown, then adds σup of fresh noise from the Rng', () => {
    const scheduler = new EulerAncestralScheduler(TRAILING);
    scheduler.setTimesteps(10);
    const [t0, t1] = scheduler.timesteps as [number, number];
    const sigma = referenceSigma(t0);
    const next = referenceSigma(t1);
    const sigmaUp = Math.sqrt((next ** 2 * (sigma ** 2 - next ** 2)) / sigma ** 2);
    const sigmaDown = Math.sqrt(next ** 2 - sigmaUp ** 2);
    const sample = scaled(noise(1), scheduler.initNoiseSigma);
    const { output, result } = firstStep(scheduler, sample, model(), new SeededRng(77));
    const fresh = new SeededRng(77).fillGaussian(new Float32Array(VALUES));
    const expected = sample.map((x, i) => {
      const x0 = x - sigma * (output[i] as number);
      return x + ((x - x0) / sigma) * (sigmaDown - sigma) + sigmaUp * (fresh[i] as number);
    });
    expect(maxAbsDifference(result.prevSample, expected)).toBeLessThan(1e-5);
  });
});

describe('DPM++ 2M', () => {
  it('takes a first-order step first, which is the DDIM step', () => {
    const dpm = new DpmSolverMultistepScheduler(TRAILING);
    const ddim = new DdimScheduler(TRAILING);
    dpm.setTimesteps(10);
    ddim.setTimesteps(10);
    const sample = noise(1);
    const a = firstStep(dpm, sample, model()).result;
    const b = firstStep(ddim, sample, model()).result;
    expect(maxAbsDifference(a.prevSample, b.prevSample)).toBeLessThan(1e-5);
    expect(maxAbsDifference(a.predOriginalSample, b.predOriginalSample)).toBeLessThan(1e-5);
  });

  it('then uses the previous x0 estimate: x = (s_t/s_0)·x − α_t(e^(−h) − 1)·(D0 + ½·(D0 − D−1)/r)', () => {
    const scheduler = new DpmSolverMultistepScheduler(TRAILING);
    scheduler.setTimesteps(10);
    const [t0, t1, t2] = scheduler.timesteps as [number, number, number];
    const oracle = model();
    const first = firstStep(scheduler, noise(1), oracle).result;
    const previousX0 = Float32Array.from(first.predOriginalSample);
    const sample = Float32Array.from(first.prevSample);
    const output = oracle.predict(sample, t1);
    const { prevSample, predOriginalSample } = scheduler.step(output, t1, sample, new SeededRng(1));

    const [before, now, after] = [t0, t1, t2].map((t) => vp(referenceSigma(t))) as [ReturnType<typeof vp>, ReturnType<typeof vp>, ReturnType<typeof vp>];
    const h = after.lambda - now.lambda;
    const r = (now.lambda - before.lambda) / h;
    const expected = sample.map((x, i) => {
      const d0 = (x - now.s * (output[i] as number)) / now.alpha;
      const d1 = (d0 - (previousX0[i] as number)) / r;
      return (after.s / now.s) * x - after.alpha * Math.expm1(-h) * (d0 + 0.5 * d1);
    });
    expect(maxAbsDifference(predOriginalSample, sample.map((x, i) => (x - now.s * (output[i] as number)) / now.alpha))).toBeLessThan(1e-5);
    expect(maxAbsDifference(prevSample, expected)).toBeLessThan(1e-5);
  });

  it('is closer to the exact ODE solution than DDIM on the same steps (Gaussian data)', () => {
    for (const steps of [20, 40]) {
      const errors = [DpmSolverMultistepScheduler, DdimScheduler].map((Kind) => {
        const scheduler = new Kind(TRAILING);
        scheduler.setTimesteps(steps);
        const oracle = model();
        const start = noise(1);
        const sigma0 = referenceSigma(scheduler.timesteps[0] as number);
        const exact = start.map((x) => oracle.odeEndPoint(x * Math.sqrt(sigma0 * sigma0 + 1), sigma0));
        return maxAbsDifference(denoise(scheduler, oracle, start, new SeededRng(1)).sample, exact);
      }) as [number, number];
      expect(errors[0]).toBeLessThan(0.75 * errors[1]);
    }
  });

  it('with Karras σ, 40 steps land within 0.01 of the exact ODE solution', () => {
    const scheduler = new DpmSolverMultistepScheduler({ ...SD_CONFIG, useKarrasSigmas: true });
    scheduler.setTimesteps(40);
    const oracle = model();
    const start = noise(1);
    const sigma0 = scheduler.sigmas[0] as number;
    const exact = start.map((x) => oracle.odeEndPoint(x * Math.sqrt(sigma0 * sigma0 + 1), sigma0));
    expect(maxAbsDifference(denoise(scheduler, oracle, start, new SeededRng(1)).sample, exact)).toBeLessThan(0.01);
  });
});

describe('LCM', () => {
  // A small timestep_scaling makes the boundary condition visible (at ×10, c_skip is ~1e-8 at t = 999).
  const TIMESTEP_SCALING = 0.001;

  it('denoises with c_skip/c_out (σ_data 0.5, t·timestep_scaling) and re-noises to the next timestep with the Rng', () => {
    const scheduler = new LcmScheduler({ ...SD_CONFIG, timestepScaling: TIMESTEP_SCALING });
    scheduler.setTimesteps(4);
    const [t0, t1] = scheduler.timesteps as [number, number];
    const sample = noise(1);
    const { output, result } = firstStep(scheduler, sample, model(), new SeededRng(5));
    const alphaCumprod = referenceAlphaCumprod(t0);
    const nextAlphaCumprod = referenceAlphaCumprod(t1);
    const scaledT = t0 * TIMESTEP_SCALING;
    const cSkip = 0.25 / (scaledT ** 2 + 0.25);
    const cOut = scaledT / Math.sqrt(scaledT ** 2 + 0.25);
    const fresh = new SeededRng(5).fillGaussian(new Float32Array(VALUES));
    const denoised = sample.map(
      (x, i) => cOut * ((x - Math.sqrt(1 - alphaCumprod) * (output[i] as number)) / Math.sqrt(alphaCumprod)) + cSkip * x,
    );
    const renoised = denoised.map((d, i) => Math.sqrt(nextAlphaCumprod) * d + Math.sqrt(1 - nextAlphaCumprod) * (fresh[i] as number));
    expect(cSkip).toBeGreaterThan(0.1);
    expect(maxAbsDifference(result.predOriginalSample, denoised)).toBeLessThan(1e-5);
    expect(maxAbsDifference(result.prevSample, renoised)).toBeLessThan(1e-5);
  });

  it('returns the denoised output itself at the last step', () => {
    const scheduler = new LcmScheduler(SD_CONFIG);
    scheduler.setTimesteps(1);
    const { result } = firstStep(scheduler, noise(1), model());
    expect(result.prevSample).toEqual(result.predOriginalSample);
  });
});
