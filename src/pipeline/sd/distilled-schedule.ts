// Turbo models were distilled on the trailing timestep schedule (1 step = t 999). A folder whose
// scheduler config says otherwise would start them at t = 1 with leading spacing and return
// noise, so their config is read with trailing spacing whatever it says.
import type { ModelFolder } from '../model/model-folder.js';

export function schedulerJsonFor(folder: Pick<ModelFolder, 'distillation' | 'schedulerConfig'>): unknown {
  const config = folder.schedulerConfig;
  if (folder.distillation !== 'turbo' || typeof config !== 'object' || config === null) return config;
  return { ...config, timestep_spacing: 'trailing' };
}
