// One bounds table: what a user may type in a command is exactly what the pipeline accepts, and
// both refuse the next value up with the same bound in the text.
import { describe, expect, it } from 'vitest';
import { parseDecimal, parseWholeNumber } from '../../../../src/commands/option-values.js';
import { ABSOLUTE_MAX_STEPS, MAX_CLIP_SKIP, MAX_GUIDANCE_SCALE, MAX_SIDE } from '../../../../src/commands/limits.js';
import { PARAM_BOUNDS } from '../../../../src/pipeline/sd/param-bounds.js';
import { validateGenerationParams } from '../../../../src/pipeline/sd/validate-params.js';
import type { GenerationParams } from '../../../../src/pipeline/types.js';

const PARAMS: GenerationParams = {
  prompt: 'a fox',
  negativePrompt: '',
  seed: 1,
  numInferenceSteps: 20,
  guidanceScale: 7,
  sampler: 'euler',
  width: 512,
  height: 512,
  count: 1,
};

function pipelineRefusal(params: Partial<GenerationParams>): string | undefined {
  try {
    validateGenerationParams({ ...PARAMS, ...params }, ['euler']);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function commandRefusal(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('the bounds table', () => {
  it.each([
    { option: 'steps', commands: ABSOLUTE_MAX_STEPS, bound: PARAM_BOUNDS.steps.max, params: (value: number) => ({ numInferenceSteps: value }), parse: (value: number) => parseWholeNumber('steps', value, 1, ABSOLUTE_MAX_STEPS) },
    { option: 'cfg', commands: MAX_GUIDANCE_SCALE, bound: PARAM_BOUNDS.guidanceScale.max, params: (value: number) => ({ guidanceScale: value }), parse: (value: number) => parseDecimal('cfg', value, 0, MAX_GUIDANCE_SCALE) },
    { option: 'clip-skip', commands: MAX_CLIP_SKIP, bound: PARAM_BOUNDS.clipSkip.max, params: (value: number) => ({ clipSkip: value }), parse: (value: number) => parseWholeNumber('clip-skip', value, 1, MAX_CLIP_SKIP) },
  ])('$option: the commands and the pipeline share the ceiling $bound', ({ commands, bound, params, parse }) => {
    expect(commands).toBe(bound);
    expect(commandRefusal(() => parse(bound))).toBeUndefined();
    expect(pipelineRefusal(params(bound))).toBeUndefined();
    expect(commandRefusal(() => parse(bound + 1))).toContain(String(bound));
    expect(pipelineRefusal(params(bound + 1))).toContain(String(bound));
  });

  it('sides: the largest side a command accepts is the largest the pipeline takes', () => {
    expect(MAX_SIDE).toBe(PARAM_BOUNDS.side.max);
    expect(pipelineRefusal({ width: MAX_SIDE, height: 512 })).toBeUndefined();
    expect(pipelineRefusal({ width: MAX_SIDE + PARAM_BOUNDS.side.multiple, height: 512 })).toContain(`to ${MAX_SIDE}`);
  });
});
