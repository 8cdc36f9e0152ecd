// One contract for every scheduler behind `createScheduler`, driven by closed-form oracle models:
// a UNet that knows the single data point x0 predicts the exact noise, so any correct sampler must
// land on x0 (DDIM: within its analytic last-step residual).
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../../src/pipeline/sd/rng.js';
import { createScheduler } from '../../../../src/pipeline/schedulers/create-scheduler.js';
import type { PredictionType, SchedulerConfig, TimestepSpacing } from '../../../../src/pipeline/schedulers/scheduler.js';
import { SAMPLER_NAMES, type SamplerName } from '../../../../src/pipeline/types.js';
import {
  GaussianOracle,
  PointOracle,
  SD_CONFIG,
  denoise,
  maxAbsDifference,
  referenceAlphaCumprod,
} from './oracle-model.js';

const LATENT_VALUES = 64;
const TARGET_TOLERANCE = 1e-3;
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];
const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction'];
const STOCHASTIC: readonly SamplerName[] = ['euler_a', 'lcm'];
/** 1–50 is what users may ask for; LCM is made for 2–8. */
const stepCounts = (name: SamplerName): readonly number[] => (name === 'lcm' ? [1, 4, 8] : [1, 4, 20, 50]);

function gaussian(seed: number, length = LATENT_VALUES, scale = 1): Float32Array {
  return new SeededRng(seed).fillGaussian(new Float32Array(length)).map((v) => v * scale);
}

const x0 = gaussian(100, LATENT_VALUES, 0.8);

function configFor(spacing: TimestepSpacing, predictionType: PredictionType, setAlphaToOne = false): SchedulerConfig {
  return { ...SD_CONFIG, timestepSpacing: spacing, predictionType, setAlphaToOne };
}

describe.each(SAMPLER_NAMES)('%s', (name) => {
  describe('txt2img with a point oracle ends at x0', () => {
    for (const spacing of SPACINGS) {
      for (const predictionType of PREDICTION_TYPES) {
        it.each(stepCounts(name))(`${spacing}, ${predictionType}, %i steps`, (steps) => {
          const scheduler = createScheduler(name, configFor(spacing, predictionType));
          scheduler.setTimesteps(steps);
          const model = new PointOracle(x0, predictionType);
          const { sample, last } = denoise(scheduler, model, gaussian(1, LATENT_VALUES, scheduler.initNoiseSigma), new SeededRng(2));

          expect(maxAbsDifference(last.predOriginalSample, x0)).toBeLessThan(TARGET_TOLERANCE);
          if (name !== 'ddim') {
            expect(maxAbsDifference(sample, x0)).toBeLessThan(TARGET_TOLERANCE);
            return;
          }
          // DDIM's last step re-noises to ᾱprev = ᾱ[0] (set_alpha_to_one false), so it ends at
          // √ᾱ[0]·x0 + √(1 − ᾱ[0])·ε_last, where ε_last is the noise the UNet predicted last.
          const alphaCumprod0 = referenceAlphaCumprod(0);
          const residualTarget = x0.map(
            (v, i) => Math.sqrt(alphaCumprod0) * v + Math.sqrt(1 - alphaCumprod0) * (model.lastEpsilon[i] as number),
          );
          expect(maxAbsDifference(sample, residualTarget)).toBeLessThan(1e-5);
          expect(maxAbsDifference(sample, x0)).toBeGreaterThan(TARGET_TOLERANCE);
        });
      }
    }
  });

  if (name === 'ddim') {
    it('with set_alpha_to_one the last step lands exactly on x0', () => {
      const scheduler = createScheduler(name, configFor('leading', 'epsilon', true));
      scheduler.setTimesteps(20);
      const { sample } = denoise(scheduler, new PointOracle(x0, 'epsilon'), gaussian(1), new SeededRng(2));
      expect(maxAbsDifference(sample, x0)).toBeLessThan(TARGET_TOLERANCE);
    });
  }

  describe('img2img: addNoise + setBeginIndex', () => {
    const init = gaussian(200, LATENT_VALUES, 0.8);
    const noise = gaussian(300);
    const steps = name === 'lcm' ? 4 : 20;
    const strength = 0.6;
    // diffusers: run the last ⌊N·strength⌋ steps.
    const begin = steps - Math.min(Math.floor(steps * strength), steps);

    it.each(PREDICTION_TYPES)('%s: starting part-way still ends at the oracle’s x0', (predictionType) => {
      const scheduler = createScheduler(name, configFor('leading', predictionType, true));
      scheduler.setTimesteps(steps);
      const start = scheduler.addNoise(init, noise, scheduler.timesteps[begin] as number);
      scheduler.setBeginIndex(begin);
      const { sample, unetCalls } = denoise(scheduler, new PointOracle(x0, predictionType), start, new SeededRng(2), begin);
      expect(unetCalls).toBe(steps - begin);
      expect(maxAbsDifference(sample, x0)).toBeLessThan(TARGET_TOLERANCE);
    });

    it('noises to the level the UNet reads from the timestep: the first x0 estimate is the init image', () => {
      const scheduler = createScheduler(name, configFor('leading', 'epsilon'));
      scheduler.setTimesteps(steps);
      const t = scheduler.timesteps[begin] as number;
      const start = scheduler.addNoise(init, noise, t);
      scheduler.setBeginIndex(begin);
      const model = new PointOracle(init, 'epsilon');
      const first = scheduler.step(model.predict(scheduler.scaleModelInput(start, t), t), t, start, new SeededRng(2));
      // Karras σ sit between table entries; the UNet sees the rounded t, hence the looser bound.
      const tolerance = name === 'dpmpp_2m_karras' ? TARGET_TOLERANCE : 1e-5;
      expect(maxAbsDifference(first.predOriginalSample, init)).toBeLessThan(tolerance);
    });

    it('setBeginIndex restarts cleanly even after steps were taken', () => {
      const oracle = new GaussianOracle(0.3, 0.5, 'epsilon');
      const fromBegin = (scheduler: ReturnType<typeof createScheduler>): Float32Array => {
        const start = scheduler.addNoise(init, noise, scheduler.timesteps[begin] as number);
        scheduler.setBeginIndex(begin);
        return denoise(scheduler, oracle, start, new SeededRng(2), begin).sample;
      };
      const used = createScheduler(name, SD_CONFIG);
      used.setTimesteps(steps);
      denoise(used, oracle, gaussian(1, LATENT_VALUES, used.initNoiseSigma), new SeededRng(3), 0, begin + 2);
      const fresh = createScheduler(name, SD_CONFIG);
      fresh.setTimesteps(steps);
      expect(fromBegin(used)).toEqual(fromBegin(fresh));
    });

    it('addNoise leaves its inputs alone and returns a new array', () => {
      const scheduler = createScheduler(name, SD_CONFIG);
      scheduler.setTimesteps(steps);
      const before = Float32Array.from(init);
      const out = scheduler.addNoise(init, noise, scheduler.timesteps[0] as number);
      expect(out).not.toBe(init);
      expect(init).toEqual(before);
      expect(maxAbsDifference(out, init)).toBeGreaterThan(0.1);
    });
  });

  describe('reproducibility', () => {
    const run = (seed: number): Float32Array => {
      const scheduler = createScheduler(name, SD_CONFIG);
      scheduler.setTimesteps(name === 'lcm' ? 4 : 12);
      const start = gaussian(seed, LATENT_VALUES, scheduler.initNoiseSigma);
      return denoise(scheduler, new GaussianOracle(0.3, 0.5, 'epsilon'), start, new SeededRng(seed)).sample;
    };

    it('the same seed gives bit-identical latents', () => {
      expect(run(42)).toEqual(run(42));
    });

    it('another seed gives other latents', () => {
      expect(maxAbsDifference(run(42), run(43))).toBeGreaterThan(0.01);
    });

    it('one Rng per image: image k of a batch matches a single-image run with that Rng', () => {
      const steps = name === 'lcm' ? 4 : 12;
      const single = (seed: number): Float32Array => {
        const scheduler = createScheduler(name, SD_CONFIG);
        scheduler.setTimesteps(steps);
        const start = gaussian(seed, LATENT_VALUES, scheduler.initNoiseSigma);
        return denoise(scheduler, new GaussianOracle(0.3, 0.5, 'epsilon'), start, new SeededRng(seed)).sample;
      };
      const scheduler = createScheduler(name, SD_CONFIG);
      scheduler.setTimesteps(steps);
      const start = new Float32Array(2 * LATENT_VALUES);
      start.set(gaussian(7, LATENT_VALUES, scheduler.initNoiseSigma), 0);
      start.set(gaussian(8, LATENT_VALUES, scheduler.initNoiseSigma), LATENT_VALUES);
      const batch = denoise(scheduler, new GaussianOracle(0.3, 0.5, 'epsilon'), start, [new SeededRng(7), new SeededRng(8)]).sample;
      expect(batch.subarray(0, LATENT_VALUES)).toEqual(single(7));
      expect(batch.subarray(LATENT_VALUES)).toEqual(single(8));
    });

    if (STOCHASTIC.includes(name)) {
      it('the scheduler’s own noise depends on the Rng, not only on the start latents', () => {
        const withRng = (seed: number): Float32Array => {
          const scheduler = createScheduler(name, SD_CONFIG);
          scheduler.setTimesteps(name === 'lcm' ? 4 : 12);
          const start = gaussian(1, LATENT_VALUES, scheduler.initNoiseSigma);
          return denoise(scheduler, new GaussianOracle(0.3, 0.5, 'epsilon'), start, new SeededRng(seed)).sample;
        };
        expect(maxAbsDifference(withRng(5), withRng(6))).toBeGreaterThan(0.01);
      });
    }
  });

  describe('misuse fails loudly', () => {
    const sample = gaussian(1);

    it('step before setTimesteps throws', () => {
      const scheduler = createScheduler(name, SD_CONFIG);
      expect(() => scheduler.step(sample, 999, sample, new SeededRng(1))).toThrow(/before setTimesteps/);
      expect(() => scheduler.scaleModelInput(sample, 999)).toThrow(/before setTimesteps/);
      expect(() => scheduler.setBeginIndex(0)).toThrow(/before setTimesteps/);
      expect(scheduler.timesteps).toEqual([]);
    });

    it('a timestep out of order, a step past the end and mismatched lengths throw', () => {
      const scheduler = createScheduler(name, SD_CONFIG);
      scheduler.setTimesteps(2);
      const [first, second] = scheduler.timesteps as [number, number];
      expect(() => scheduler.step(sample, second, sample, new SeededRng(1))).toThrow(/step 1 of 2 runs at timestep/);
      expect(() => scheduler.step(sample.subarray(1), first, sample, new SeededRng(1))).toThrow(/model output has/);
      scheduler.step(sample, first, sample, new SeededRng(1));
      scheduler.step(sample, second, sample, new SeededRng(1));
      expect(() => scheduler.step(sample, second, sample, new SeededRng(1))).toThrow(/all 2 steps are done/);
    });

    it('setBeginIndex outside the schedule and addNoise at a foreign timestep throw', () => {
      const scheduler = createScheduler(name, SD_CONFIG);
      scheduler.setTimesteps(4);
      expect(() => scheduler.setBeginIndex(4)).toThrow(RangeError);
      expect(() => scheduler.addNoise(sample, sample, 123.25)).toThrow(/not one of the 4 timesteps/);
    });

    it('setTimesteps starts a fresh run', () => {
      const scheduler = createScheduler(name, SD_CONFIG);
      scheduler.setTimesteps(4);
      const model = new PointOracle(x0, 'epsilon');
      denoise(scheduler, model, gaussian(1, LATENT_VALUES, scheduler.initNoiseSigma), new SeededRng(2));
      scheduler.setTimesteps(4);
      const { sample: again } = denoise(scheduler, model, gaussian(1, LATENT_VALUES, scheduler.initNoiseSigma), new SeededRng(2));
      const fresh = createScheduler(name, SD_CONFIG);
      fresh.setTimesteps(4);
      expect(again).toEqual(denoise(fresh, model, gaussian(1, LATENT_VALUES, fresh.initNoiseSigma), new SeededRng(2)).sample);
    });
  });
});

describe('cost per step at 512×512, batch 2 (2 × 4 × 64 × 64 values)', () => {
  it('logs scaleModelInput + step time per sampler', () => {
    const length = 2 * 4 * 64 * 64;
    const modelOutput = gaussian(9, length);
    const lines: string[] = [];
    for (const name of SAMPLER_NAMES) {
      const scheduler = createScheduler(name, SD_CONFIG);
      const steps = name === 'lcm' ? 8 : 20;
      scheduler.setTimesteps(steps);
      const rng = new SeededRng(1);
      let sample = gaussian(3, length, scheduler.initNoiseSigma);
      const started = performance.now();
      for (const t of scheduler.timesteps) {
        scheduler.scaleModelInput(sample, t);
        sample = scheduler.step(modelOutput, t, sample, rng).prevSample;
      }
      const perStep = (performance.now() - started) / steps;
      lines.push(`${name} ${perStep.toFixed(3)} ms/step`);
      expect(sample.every(Number.isFinite)).toBe(true);
    }
    console.log(`scheduler cost, ${length} values: ${lines.join(', ')}`);
  });
});
