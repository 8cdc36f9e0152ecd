// Reference timesteps and sigmas (DESIGN.md "Noise schedule", "Timestep spacing", "Karras sigmas",
// "LCM"; the longer lists from diffusers' rules evaluated with numpy).
import { describe, expect, it } from 'vitest';
import { NoiseSchedule } from '../../../../src/pipeline/schedulers/noise-schedule.js';
import { DdimScheduler } from '../../../../src/pipeline/schedulers/ddim.js';
import { DpmSolverMultistepScheduler } from '../../../../src/pipeline/schedulers/dpmpp-2m.js';
import { EulerAncestralScheduler } from '../../../../src/pipeline/schedulers/euler-ancestral.js';
import { EulerScheduler } from '../../../../src/pipeline/schedulers/euler.js';
import { LcmScheduler } from '../../../../src/pipeline/schedulers/lcm.js';
import type { Scheduler, SchedulerConfig, TimestepSpacing } from '../../../../src/pipeline/schedulers/scheduler.js';
import { SD_CONFIG, referenceSigma } from './oracle-model.js';

type Kind = 'euler' | 'euler_a' | 'ddim' | 'dpmpp_2m' | 'dpmpp_2m_karras' | 'lcm';

function make(kind: Kind, config: SchedulerConfig): Scheduler {
  switch (kind) {
    case 'euler':
      return new EulerScheduler(config);
    case 'euler_a':
      return new EulerAncestralScheduler(config);
    case 'ddim':
      return new DdimScheduler(config);
    case 'dpmpp_2m':
      return new DpmSolverMultistepScheduler(config);
    case 'dpmpp_2m_karras':
      return new DpmSolverMultistepScheduler({ ...config, useKarrasSigmas: true });
    case 'lcm':
      return new LcmScheduler(config);
  }
}

/** a, a − step, … for `count` values */
const countdown = (from: number, step: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => from - i * step);

describe('noise schedule (scaled_linear, SD)', () => {
  const schedule = new NoiseSchedule(SD_CONFIG);

  it.each([
    ['ᾱ[0]', () => schedule.alphaCumprodAt(0), 0.99915, 5],
    ['ᾱ[999]', () => schedule.alphaCumprodAt(999), 0.0046601, 7],
    ['σmin', () => schedule.sigmaMin, 0.029168, 5],
    ['σmax', () => schedule.sigmaMax, 14.6147, 3],
  ])('%s', (_name, read, expected, digits) => {
    expect(read()).toBeCloseTo(expected, digits);
  });

  it('interpolates σ linearly at fractional t and clamps outside [0, 999]', () => {
    const between = (schedule.sigmas[946] as number) * 0.25 + (schedule.sigmas[947] as number) * 0.75;
    expect(schedule.sigmaAt(946.75)).toBeCloseTo(between, 12);
    expect(schedule.sigmaAt(-3)).toBe(schedule.sigmaMin);
    expect(schedule.sigmaAt(1200)).toBe(schedule.sigmaMax);
  });

  it('maps σ back to t by log-σ interpolation', () => {
    expect(schedule.timestepForSigma(schedule.sigmaMax)).toBeCloseTo(999, 9);
    expect(schedule.timestepForSigma(schedule.sigmaMin)).toBeCloseTo(0, 9);
    const sigma = Math.sqrt((schedule.sigmas[500] as number) * (schedule.sigmas[501] as number));
    expect(schedule.timestepForSigma(sigma)).toBeCloseTo(500.5, 9);
  });
});

describe('timesteps', () => {
  const rows: ReadonlyArray<{
    kinds: readonly Kind[];
    spacing: TimestepSpacing;
    offset: number;
    steps: number;
    expected: readonly number[];
  }> = [
    { kinds: ['euler', 'euler_a', 'ddim'], spacing: 'leading', offset: 1, steps: 20, expected: countdown(951, 50, 20) },
    { kinds: ['euler', 'ddim'], spacing: 'leading', offset: 0, steps: 20, expected: countdown(950, 50, 20) },
    { kinds: ['euler', 'euler_a', 'ddim', 'dpmpp_2m'], spacing: 'trailing', offset: 1, steps: 20, expected: countdown(999, 50, 20) },
    { kinds: ['euler', 'ddim', 'dpmpp_2m'], spacing: 'trailing', offset: 0, steps: 1, expected: [999] },
    { kinds: ['euler', 'ddim', 'dpmpp_2m'], spacing: 'trailing', offset: 0, steps: 4, expected: [999, 749, 499, 249] },
    { kinds: ['euler', 'ddim', 'dpmpp_2m'], spacing: 'trailing', offset: 0, steps: 3, expected: [999, 666, 332] },
    // Ties round to even as in numpy: 812.5 → 812 (Math.round would give 813).
    {
      kinds: ['euler', 'ddim'],
      spacing: 'trailing',
      offset: 0,
      steps: 16,
      expected: [999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61],
    },
    {
      kinds: ['euler', 'euler_a'],
      spacing: 'linspace',
      offset: 1,
      steps: 20,
      expected: Array.from({ length: 20 }, (_, i) => (999 * (19 - i)) / 19),
    },
    {
      kinds: ['ddim'],
      spacing: 'linspace',
      offset: 1,
      steps: 20,
      expected: [999, 946, 894, 841, 789, 736, 684, 631, 578, 526, 473, 421, 368, 315, 263, 210, 158, 105, 53, 0],
    },
    // DPMSolverMultistep spaces N + 1 points and drops the last.
    {
      kinds: ['dpmpp_2m'],
      spacing: 'linspace',
      offset: 1,
      steps: 20,
      expected: [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50],
    },
    { kinds: ['dpmpp_2m'], spacing: 'leading', offset: 1, steps: 20, expected: countdown(941, 47, 20) },
    {
      kinds: ['dpmpp_2m_karras'],
      spacing: 'leading',
      offset: 1,
      steps: 20,
      expected: [999, 962, 921, 876, 827, 772, 710, 640, 561, 474, 380, 285, 197, 123, 69, 35, 15, 6, 2, 0],
    },
    // LCM ignores spacing and offset: it picks from its 50-step distillation schedule.
    { kinds: ['lcm'], spacing: 'trailing', offset: 1, steps: 4, expected: [999, 759, 499, 259] },
    { kinds: ['lcm'], spacing: 'linspace', offset: 0, steps: 1, expected: [999] },
    { kinds: ['lcm'], spacing: 'leading', offset: 1, steps: 8, expected: [999, 879, 759, 639, 499, 379, 259, 139] },
  ];

  for (const row of rows) {
    for (const kind of row.kinds) {
      it(`${kind}: ${row.spacing}, steps_offset ${row.offset}, ${row.steps} steps`, () => {
        const scheduler = make(kind, { ...SD_CONFIG, timestepSpacing: row.spacing, stepsOffset: row.offset });
        scheduler.setTimesteps(row.steps);
        expect(scheduler.timesteps).toHaveLength(row.expected.length);
        scheduler.timesteps.forEach((t, i) => expect(t).toBeCloseTo(row.expected[i] as number, 9));
      });
    }
  }

  it('trailing 48 steps follows numpy arange exactly (937.5 lands below the tie → 936)', () => {
    const scheduler = make('ddim', { ...SD_CONFIG, timestepSpacing: 'trailing' });
    scheduler.setTimesteps(48);
    expect(scheduler.timesteps.slice(0, 5)).toEqual([999, 978, 957, 936, 916]);
  });

  it('Euler keeps linspace timesteps fractional: 999, 946.42, …, 0', () => {
    const scheduler = make('euler', { ...SD_CONFIG, timestepSpacing: 'linspace' });
    scheduler.setTimesteps(20);
    expect(scheduler.timesteps[1]).toBeCloseTo(946.42, 2);
    expect(scheduler.timesteps.at(-1)).toBe(0);
  });

  it('rejects step counts the schedule cannot hold', () => {
    expect(() => make('euler', SD_CONFIG).setTimesteps(0)).toThrow(/numInferenceSteps/);
    expect(() => make('ddim', SD_CONFIG).setTimesteps(2.5)).toThrow(/numInferenceSteps/);
    expect(() => make('lcm', SD_CONFIG).setTimesteps(51)).toThrow(/original_inference_steps/);
    // leading + offset 1 with 1000 steps would reach t = 1000
    expect(() => make('ddim', { ...SD_CONFIG, timestepSpacing: 'leading' }).setTimesteps(1000)).toThrow(/timestep 1000/);
  });
});

describe('sigmas and initial noise', () => {
  it.each([
    // [spacing, σ at the first step, initNoiseSigma]
    ['leading', 11.0283, 11.0736],
    ['trailing', 14.6147, 14.6147],
    ['linspace', 14.6147, 14.6147],
  ] as const)('Euler with %s spacing (20 steps)', (spacing, firstSigma, initSigma) => {
    for (const scheduler of [new EulerScheduler({ ...SD_CONFIG, timestepSpacing: spacing }), new EulerAncestralScheduler({ ...SD_CONFIG, timestepSpacing: spacing })]) {
      scheduler.setTimesteps(20);
      expect(scheduler.sigmas[0]).toBeCloseTo(firstSigma, 3);
      expect(scheduler.initNoiseSigma).toBeCloseTo(initSigma, 3);
      expect(scheduler.sigmas).toHaveLength(21);
      expect(scheduler.sigmas.at(-1)).toBe(0);
    }
  });

  it('Euler reads σ at fractional timesteps by linear interpolation', () => {
    const scheduler = new EulerScheduler({ ...SD_CONFIG, timestepSpacing: 'linspace' });
    scheduler.setTimesteps(20);
    scheduler.timesteps.forEach((t, i) => expect(scheduler.sigmas[i]).toBeCloseTo(referenceSigma(t), 9));
    expect(scheduler.sigmas[1]).toBeCloseTo(10.7468, 4);
  });

  it('DDIM, DPM++ and LCM start from unit noise', () => {
    for (const kind of ['ddim', 'dpmpp_2m', 'dpmpp_2m_karras', 'lcm'] as const) {
      const scheduler = make(kind, SD_CONFIG);
      scheduler.setTimesteps(20);
      expect(scheduler.initNoiseSigma).toBe(1);
    }
  });

  it('Karras, 20 steps: σ 14.6147, 11.7254, 9.3402 … 0.0779, 0.0485, 0.0292, then 0', () => {
    const scheduler = new DpmSolverMultistepScheduler({ ...SD_CONFIG, useKarrasSigmas: true });
    scheduler.setTimesteps(20);
    const sigmas = scheduler.sigmas;
    expect(sigmas).toHaveLength(21);
    [14.6147, 11.7254, 9.3402].forEach((s, i) => expect(sigmas[i]).toBeCloseTo(s, 3));
    [0.0779, 0.0485, 0.0292, 0].forEach((s, i) => expect(sigmas[17 + i]).toBeCloseTo(s, 4));
  });

  it('DPM++ without Karras uses the table σ at its integer timesteps', () => {
    const scheduler = new DpmSolverMultistepScheduler(SD_CONFIG);
    scheduler.setTimesteps(20);
    scheduler.timesteps.forEach((t, i) => {
      expect(Number.isInteger(t)).toBe(true);
      expect(scheduler.sigmas[i]).toBeCloseTo(referenceSigma(t), 9);
    });
  });
});
