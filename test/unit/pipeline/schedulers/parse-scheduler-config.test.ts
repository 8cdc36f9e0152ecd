import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../../src/pipeline/errors.js';
import { parseSchedulerConfig } from '../../../../src/pipeline/schedulers/create-scheduler.js';

const FILE = 'scheduler/scheduler_config.json';

/** stable-diffusion-v1-5's scheduler/scheduler_config.json */
const SD15_JSON = {
  _class_name: 'PNDMScheduler',
  _diffusers_version: '0.6.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

describe('parseSchedulerConfig', () => {
  it('reads SD1.5’s config, ignoring keys that do not change the math', () => {
    expect(parseSchedulerConfig(SD15_JSON, FILE)).toEqual({
      numTrainTimesteps: 1000,
      betaStart: 0.00085,
      betaEnd: 0.012,
      betaSchedule: 'scaled_linear',
      stepsOffset: 1,
      predictionType: 'epsilon',
      setAlphaToOne: false,
      originalInferenceSteps: 50,
      timestepScaling: 10,
    });
  });

  it('leaves timestep_spacing and set_alpha_to_one unset when absent, so each scheduler uses its class default', () => {
    const config = parseSchedulerConfig({}, FILE);
    expect(config).not.toHaveProperty('timestepSpacing');
    expect(config).not.toHaveProperty('setAlphaToOne');
    expect(config).toMatchObject({ numTrainTimesteps: 1000, betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', stepsOffset: 0 });
  });

  it.each([
    [{ timestep_spacing: 'trailing' }, { timestepSpacing: 'trailing' }],
    [{ prediction_type: 'v_prediction' }, { predictionType: 'v_prediction' }],
    [{ set_alpha_to_one: true }, { setAlphaToOne: true }],
    [{ steps_offset: 0 }, { stepsOffset: 0 }],
    [{ original_inference_steps: 8, timestep_scaling: 5 }, { originalInferenceSteps: 8, timestepScaling: 5 }],
    [{ beta_schedule: 'linear', rescale_betas_zero_snr: false }, { betaSchedule: 'linear' }],
  ])('reads %j', (json, expected) => {
    expect(parseSchedulerConfig({ ...SD15_JSON, ...json }, FILE)).toMatchObject(expected);
  });

  it.each([
    [{ timestep_spacing: 'karras' }, 'timestep_spacing must be one of "leading", "trailing", "linspace", got "karras"'],
    [{ prediction_type: 'sample' }, 'prediction_type must be one of "epsilon", "v_prediction", got "sample"'],
    [{ beta_schedule: 'squaredcos_cap_v2' }, 'beta_schedule must be one of "scaled_linear", "linear", got "squaredcos_cap_v2"'],
    [{ trained_betas: [0.1, 0.2] }, 'trained_betas must be null or absent (custom betas are not supported), got [0.1,0.2]'],
    [{ steps_offset: -1 }, 'steps_offset must be an integer ≥ 0, got -1'],
    [{ steps_offset: '1' }, 'steps_offset must be an integer ≥ 0, got "1"'],
    [{ num_train_timesteps: 999.5 }, 'num_train_timesteps must be an integer ≥ 2, got 999.5'],
    [{ beta_start: 0 }, 'beta_start must be a number between 0 and 1, got 0'],
    [{ set_alpha_to_one: 'no' }, 'set_alpha_to_one must be true or false, got "no"'],
    [{ timestep_scaling: 0 }, 'timestep_scaling must be a number > 0, got 0'],
    [{ rescale_betas_zero_snr: true }, 'rescale_betas_zero_snr must be false or absent (zero-terminal-SNR schedules are not supported), got true'],
    [{ original_inference_steps: 2000 }, 'original_inference_steps must be at most num_train_timesteps (1000), got 2000'],
  ])('rejects %j naming file, key, value and what is allowed', (json, message) => {
    let error: unknown;
    try {
      parseSchedulerConfig({ ...SD15_JSON, ...json }, FILE);
    } catch (caught) {
      error = caught;
    }
    expect(isPipelineError(error, 'invalid_model_folder')).toBe(true);
    expect((error as Error).message).toBe(`${FILE}: ${message}`);
  });

  it('lists every bad key at once', () => {
    expect(() => parseSchedulerConfig({ timestep_spacing: 'x', prediction_type: 'y' }, FILE)).toThrow(
      /timestep_spacing must be .*"x"; prediction_type must be .*"y"/,
    );
  });

  it.each([[null], [[1, 2]], ['{}'], [42]])('rejects a non-object (%j)', (json) => {
    expect(() => parseSchedulerConfig(json, FILE)).toThrow(`${FILE}: expected a JSON object`);
  });
});
