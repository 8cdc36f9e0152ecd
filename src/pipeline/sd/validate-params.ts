// The pipeline's own guard on what it is asked to do. The commands layer validates user input
// with friendlier wording; this catches anything that reaches the pipeline another way (CLI, IPC).
import { PipelineError } from '../errors.js';
import { MAX_IMAGES_PER_REQUEST, MAX_MASK_BLUR, MAX_SEED, MIN_IMAGES_PER_REQUEST, SIZE_MULTIPLE, type GenerationParams, type SamplerName } from '../types.js';

export const MIN_SIDE = 8;
export const MAX_SIDE = 4096;
export const MAX_STEPS = 150;
export const MAX_GUIDANCE = 30;
export const MAX_CLIP_SKIP = 12;
/** Zoom Out beyond this leaves too little of the old picture to extend. */
export const MAX_ZOOM_OUT = 4;

function fail(option: string, value: unknown, allowed: string): never {
  throw new PipelineError('invalid_params', `${option} must be ${allowed}, got ${JSON.stringify(value)}`);
}

function integerIn(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) fail(option, value, `an integer ${min}–${max}`);
}

export function validateGenerationParams(params: GenerationParams, samplers: readonly SamplerName[]): void {
  for (const [option, value] of [['width', params.width], ['height', params.height]] as const) {
    if (!Number.isInteger(value) || value % SIZE_MULTIPLE !== 0 || value < MIN_SIDE || value > MAX_SIDE) {
      fail(option, value, `a multiple of ${SIZE_MULTIPLE} from ${MIN_SIDE} to ${MAX_SIDE}`);
    }
  }
  integerIn('count', params.count, MIN_IMAGES_PER_REQUEST, MAX_IMAGES_PER_REQUEST);
  integerIn('steps', params.numInferenceSteps, 1, MAX_STEPS);
  integerIn('seed', params.seed, 0, MAX_SEED);
  if (!Number.isFinite(params.guidanceScale) || params.guidanceScale < 0 || params.guidanceScale > MAX_GUIDANCE) {
    fail('cfg', params.guidanceScale, `a number from 0 to ${MAX_GUIDANCE}`);
  }
  if (!samplers.includes(params.sampler)) fail('sampler', params.sampler, `one of ${samplers.join(', ')}`);
  if (params.clipSkip !== undefined) integerIn('clip-skip', params.clipSkip, 1, MAX_CLIP_SKIP);
  if (params.init !== undefined && !(params.init.strength >= 0 && params.init.strength <= 1)) {
    fail('strength', params.init.strength, 'a number from 0 to 1');
  }
  if (params.mask !== undefined && !(params.mask.blur >= 0 && params.mask.blur <= MAX_MASK_BLUR)) fail('mask-blur', params.mask.blur, `a number from 0 to ${MAX_MASK_BLUR}`);
  if (params.outpaint?.kind === 'zoom' && !(params.outpaint.factor > 1 && params.outpaint.factor <= MAX_ZOOM_OUT)) fail('zoom', params.outpaint.factor, `a factor above 1, at most ${MAX_ZOOM_OUT}`);
}
