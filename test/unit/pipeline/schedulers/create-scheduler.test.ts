import { describe, expect, it } from 'vitest';
import { createScheduler, parseSchedulerConfig } from '../../../../src/pipeline/schedulers/create-scheduler.js';
import { SAMPLER_NAMES } from '../../../../src/pipeline/types.js';

/** SD1.5 ships a PNDM config without `timestep_spacing`; each sampler then uses its diffusers class default. */
const sd15 = parseSchedulerConfig(
  {
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    beta_start: 0.00085,
    num_train_timesteps: 1000,
    set_alpha_to_one: false,
    steps_offset: 1,
    trained_betas: null,
  },
  'scheduler/scheduler_config.json',
);

describe('createScheduler', () => {
  it.each([
    ['euler', [999, 946.42], 14.6147, 1],
    ['euler_a', [999, 946.42], 14.6147, 1],
    ['ddim', [951, 901], 1, 1],
    ['dpmpp_2m', [999, 949], 1, 2],
    ['dpmpp_2m_karras', [999, 962], 1, 2],
    ['lcm', [999, 979], 1, 1],
  ] as const)('%s on SD1.5’s config starts at %j (initNoiseSigma %d, order %d)', (name, firstTwo, initSigma, order) => {
    const scheduler = createScheduler(name, sd15);
    scheduler.setTimesteps(name === 'lcm' ? 50 : 20);
    expect(scheduler.timesteps[0]).toBeCloseTo(firstTwo[0], 2);
    expect(scheduler.timesteps[1]).toBeCloseTo(firstTwo[1], 2);
    expect(scheduler.initNoiseSigma).toBeCloseTo(initSigma, 3);
    expect(scheduler.order).toBe(order);
  });

  it('creates a fresh, independent scheduler for every sampler name', () => {
    for (const name of SAMPLER_NAMES) {
      const a = createScheduler(name, sd15);
      const b = createScheduler(name, sd15);
      expect(a === b).toBe(false);
      a.setTimesteps(4);
      expect(b.timesteps).toEqual([]);
    }
  });

  it('the sampler name decides Karras spacing, whatever the config says', () => {
    const plain = createScheduler('dpmpp_2m', { ...sd15, useKarrasSigmas: true });
    const karras = createScheduler('dpmpp_2m_karras', { ...sd15, useKarrasSigmas: false });
    plain.setTimesteps(20);
    karras.setTimesteps(20);
    expect(plain.timesteps.at(-1)).toBe(50);
    expect(karras.timesteps.at(-1)).toBe(0);
  });
});
