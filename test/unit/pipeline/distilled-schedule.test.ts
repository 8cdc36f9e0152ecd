import { describe, expect, it } from 'vitest';
import { schedulerJsonFor } from '../../../src/pipeline/sd/distilled-schedule.js';
import { createScheduler, parseSchedulerConfig } from '../../../src/pipeline/schedulers/create-scheduler.js';

const LEADING = { beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, timestep_spacing: 'leading', steps_offset: 1 };

function timesteps(distillation: 'turbo' | 'lcm' | undefined, steps: number): readonly number[] {
  const scheduler = createScheduler('euler_a', parseSchedulerConfig(schedulerJsonFor({ distillation, schedulerConfig: LEADING }), 'scheduler_config.json'));
  scheduler.setTimesteps(steps);
  return scheduler.timesteps;
}

describe('schedulerJsonFor', () => {
  it.each([
    [1, [999]],
    [4, [999, 749, 499, 249]],
  ])('gives Turbo trailing spacing: %i step(s) run at %j', (steps, expected) => {
    expect(timesteps('turbo', steps)).toEqual(expected);
  });

  it('leaves every other model’s config as written', () => {
    expect(timesteps(undefined, 1)).toEqual([1]);
    expect(timesteps('lcm', 4)).toEqual([751, 501, 251, 1]);
  });
});
