// The pipeline's own guard on what it is asked to do. The commands layer validates user input
// with friendlier wording; this catches anything that reaches the pipeline another way (CLI, IPC).
import { PipelineError } from '../errors.js';
import { MAX_LORAS_PER_REQUEST, MAX_LORA_WEIGHT, MAX_MASK_BLUR, MIN_LORA_WEIGHT, type GenerationParams, type SamplerName } from '../types.js';
import { PARAM_BOUNDS } from './param-bounds.js';

export const MIN_SIDE = PARAM_BOUNDS.side.min;
export const MAX_SIDE = PARAM_BOUNDS.side.max;
export const MAX_STEPS = PARAM_BOUNDS.steps.max;
export const MAX_GUIDANCE = PARAM_BOUNDS.guidanceScale.max;
export const MAX_CLIP_SKIP = PARAM_BOUNDS.clipSkip.max;
/** Zoom Out beyond this leaves too little of the old picture to extend. */
export const MAX_ZOOM_OUT = 4;

function fail(option: string, value: unknown, allowed: string): never {
  throw new PipelineError('invalid_params', `${option} must be ${allowed}, got ${JSON.stringify(value)}`);
}

function integerIn(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) fail(option, value, `an integer ${min}–${max}`);
}

export function validateGenerationParams(params: GenerationParams, samplers: readonly SamplerName[]): void {
  const { side, count, steps, seed, guidanceScale, clipSkip, strength } = PARAM_BOUNDS;
  for (const [option, value] of [['width', params.width], ['height', params.height]] as const) {
    if (!Number.isInteger(value) || value % side.multiple !== 0 || value < side.min || value > side.max) {
      fail(option, value, `a multiple of ${side.multiple} from ${side.min} to ${side.max}`);
    }
  }
  integerIn('count', params.count, count.min, count.max);
  integerIn('steps', params.numInferenceSteps, steps.min, steps.max);
  integerIn('seed', params.seed, seed.min, seed.max);
  if (!Number.isFinite(params.guidanceScale) || params.guidanceScale < guidanceScale.min || params.guidanceScale > guidanceScale.max) {
    fail('cfg', params.guidanceScale, `a number from ${guidanceScale.min} to ${guidanceScale.max}`);
  }
  if (!samplers.includes(params.sampler)) fail('sampler', params.sampler, `one of ${samplers.join(', ')}`);
  if (params.clipSkip !== undefined) integerIn('clip-skip', params.clipSkip, clipSkip.min, clipSkip.max);
  if (params.init !== undefined && !(params.init.strength >= strength.min && params.init.strength <= strength.max)) {
    fail('strength', params.init.strength, `a number from ${strength.min} to ${strength.max}`);
  }
  const loras = params.loras ?? [];
  if (loras.length > MAX_LORAS_PER_REQUEST) fail('lora', loras.map((lora) => lora.name), `at most ${MAX_LORAS_PER_REQUEST} LoRAs`);
  for (const lora of loras) {
    if (!Number.isFinite(lora.weight) || lora.weight < MIN_LORA_WEIGHT || lora.weight > MAX_LORA_WEIGHT) {
      fail(`the weight of LoRA "${lora.name}"`, lora.weight, `a number from ${MIN_LORA_WEIGHT} to ${MAX_LORA_WEIGHT}`);
    }
  }
  if (params.mask !== undefined && !(params.mask.blur >= 0 && params.mask.blur <= MAX_MASK_BLUR)) fail('mask-blur', params.mask.blur, `a number from 0 to ${MAX_MASK_BLUR}`);
  if (params.outpaint?.kind === 'zoom' && !(params.outpaint.factor > 1 && params.outpaint.factor <= MAX_ZOOM_OUT)) fail('zoom', params.outpaint.factor, `a factor above 1, at most ${MAX_ZOOM_OUT}`);
}
