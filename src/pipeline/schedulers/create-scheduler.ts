// The one place that maps a sampler name to its scheduler. Each job gets a fresh instance.
import type { SamplerName } from '../types.js';
import { DdimScheduler } from './ddim.js';
import { DpmSolverMultistepScheduler } from './dpmpp-2m.js';
import { EulerAncestralScheduler } from './euler-ancestral.js';
import { EulerScheduler } from './euler.js';
import { LcmScheduler } from './lcm.js';
import type { Scheduler, SchedulerConfig } from './scheduler.js';

export { parseSchedulerConfig } from './parse-scheduler-config.js';

/** The sampler name decides Karras spacing, so "DPM++ 2M" in a PNG's parameters reproduces. */
export function createScheduler(name: SamplerName, config: SchedulerConfig): Scheduler {
  switch (name) {
    case 'euler':
      return new EulerScheduler(config);
    case 'euler_a':
      return new EulerAncestralScheduler(config);
    case 'ddim':
      return new DdimScheduler(config);
    case 'dpmpp_2m':
      return new DpmSolverMultistepScheduler({ ...config, useKarrasSigmas: false });
    case 'dpmpp_2m_karras':
      return new DpmSolverMultistepScheduler({ ...config, useKarrasSigmas: true });
    case 'lcm':
      return new LcmScheduler(config);
    default:
      return unknownSampler(name);
  }
}

function unknownSampler(name: never): never {
  throw new RangeError(`unknown sampler ${String(name)}`);
}
