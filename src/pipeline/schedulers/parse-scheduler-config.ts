// Reads a model folder's scheduler/scheduler_config.json (diffusers' snake_case keys) into a
// SchedulerConfig. Keys that do not change our math (`_class_name`, `skip_prk_steps`, …) are ignored.
import { z } from 'zod';
import { PipelineError } from '../errors.js';
import type { SchedulerConfig } from './scheduler.js';

/** diffusers' defaults shared by the scheduler classes we mirror. */
const DEFAULTS = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  stepsOffset: 0,
  predictionType: 'epsilon',
  originalInferenceSteps: 50,
  timestepScaling: 10,
} as const satisfies Partial<SchedulerConfig>;

const MIN_TRAIN_TIMESTEPS = 2;
/** How much of an offending value an error message shows. */
const MAX_SHOWN_VALUE_LENGTH = 60;

const rawConfigSchema = z.object({
  num_train_timesteps: z.number().int().min(MIN_TRAIN_TIMESTEPS).optional(),
  beta_start: z.number().gt(0).lt(1).optional(),
  beta_end: z.number().gt(0).lt(1).optional(),
  beta_schedule: z.enum(['scaled_linear', 'linear']).optional(),
  timestep_spacing: z.enum(['leading', 'trailing', 'linspace']).optional(),
  steps_offset: z.number().int().min(0).optional(),
  prediction_type: z.enum(['epsilon', 'v_prediction']).optional(),
  set_alpha_to_one: z.boolean().optional(),
  original_inference_steps: z.number().int().min(1).optional(),
  timestep_scaling: z.number().positive().optional(),
  trained_betas: z.null().optional(),
  rescale_betas_zero_snr: z.literal(false).optional(),
});

type RawKey = keyof z.infer<typeof rawConfigSchema>;

const ALLOWED: Record<RawKey, string> = {
  num_train_timesteps: `an integer ≥ ${MIN_TRAIN_TIMESTEPS}`,
  beta_start: 'a number between 0 and 1',
  beta_end: 'a number between 0 and 1',
  beta_schedule: 'one of "scaled_linear", "linear"',
  timestep_spacing: 'one of "leading", "trailing", "linspace"',
  steps_offset: 'an integer ≥ 0',
  prediction_type: 'one of "epsilon", "v_prediction"',
  set_alpha_to_one: 'true or false',
  original_inference_steps: 'an integer ≥ 1',
  timestep_scaling: 'a number > 0',
  trained_betas: 'null or absent (custom betas are not supported)',
  rescale_betas_zero_snr: 'false or absent (zero-terminal-SNR schedules are not supported)',
};

/** `file` names the config in error messages, e.g. "scheduler/scheduler_config.json". */
export function parseSchedulerConfig(json: unknown, file: string): SchedulerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PipelineError('invalid_model_folder', `${file}: expected a JSON object, got ${show(json)}`);
  }
  const parsed = rawConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const allowed = key in ALLOWED ? ALLOWED[key as RawKey] : issue.message;
      return `${key} must be ${allowed}, got ${show((json as Record<string, unknown>)[key])}`;
    });
    throw new PipelineError('invalid_model_folder', `${file}: ${problems.join('; ')}`);
  }
  const raw = parsed.data;
  const config: SchedulerConfig = {
    numTrainTimesteps: raw.num_train_timesteps ?? DEFAULTS.numTrainTimesteps,
    betaStart: raw.beta_start ?? DEFAULTS.betaStart,
    betaEnd: raw.beta_end ?? DEFAULTS.betaEnd,
    betaSchedule: raw.beta_schedule ?? DEFAULTS.betaSchedule,
    stepsOffset: raw.steps_offset ?? DEFAULTS.stepsOffset,
    predictionType: raw.prediction_type ?? DEFAULTS.predictionType,
    originalInferenceSteps: raw.original_inference_steps ?? DEFAULTS.originalInferenceSteps,
    timestepScaling: raw.timestep_scaling ?? DEFAULTS.timestepScaling,
    // Left out when absent, so each scheduler applies its own diffusers class default.
    ...(raw.timestep_spacing === undefined ? {} : { timestepSpacing: raw.timestep_spacing }),
    ...(raw.set_alpha_to_one === undefined ? {} : { setAlphaToOne: raw.set_alpha_to_one }),
  };
  if (config.originalInferenceSteps > config.numTrainTimesteps) {
    throw new PipelineError(
      'invalid_model_folder',
      `${file}: original_inference_steps must be at most num_train_timesteps (${config.numTrainTimesteps}), got ${config.originalInferenceSteps}`,
    );
  }
  return config;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN_VALUE_LENGTH ? `${text.slice(0, MAX_SHOWN_VALUE_LENGTH)}…` : text;
}
