// The pipeline's own guard on what it is asked to do. The commands layer validates user input
// with friendlier wording; this catches anything that reaches the pipeline another way (CLI, IPC).
import { PipelineError } from '../errors.js';
import { MAX_IMAGES_PER_REQUEST, MAX_LORAS_PER_REQUEST, MAX_LORA_WEIGHT, MAX_SEED, MIN_LORA_WEIGHT, MIN_IMAGES_PER_REQUEST, SIZE_MULTIPLE, type GenerationParams, type SamplerName } from '../types.js';

export const MIN_SIDE = 8;
export const MAX_SIDE = 4096;
export const MAX_STEPS = 150;
export const MAX_GUIDANCE = 30;
export const MAX_CLIP_SKIP = 12;

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
  const loras = params.loras ?? [];
  if (loras.length > MAX_LORAS_PER_REQUEST) fail('lora', loras.map((lora) => lora.name), `at most ${MAX_LORAS_PER_REQUEST} LoRAs`);
  for (const lora of loras) {
    if (!Number.isFinite(lora.weight) || lora.weight < MIN_LORA_WEIGHT || lora.weight > MAX_LORA_WEIGHT) {
      fail(`the weight of LoRA "${lora.name}"`, lora.weight, `a number from ${MIN_LORA_WEIGHT} to ${MAX_LORA_WEIGHT}`);
    }
  }
}
