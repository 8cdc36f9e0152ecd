// Fixed bounds of the command options, independent of any model. Per-model limits live in config.
import { PARAM_BOUNDS } from '../pipeline/sd/param-bounds.js';
import { MAX_IMAGES_PER_REQUEST, MAX_SEED, MIN_IMAGES_PER_REQUEST } from '../pipeline/types.js';

/** Sizes are snapped to this: the UNet halves the latent three times, so H/8 must stay divisible by 8. */
export const SIZE_STEP = 64;
/** Explicit `size` sides accepted before clamping to the model's pixel limit. */
export const MIN_SIDE = SIZE_STEP;
export const MAX_SIDE = PARAM_BOUNDS.side.max;
/** Widest shape accepted, as long side ÷ short side (4:1 and 1:4). */
export const MAX_ASPECT_RATIO = 4;

export const MIN_STEPS = PARAM_BOUNDS.steps.min;
/** Ceiling for any model's `maxSteps`; the slash option's range uses the largest configured one. */
export const ABSOLUTE_MAX_STEPS = PARAM_BOUNDS.steps.max;
export const MIN_GUIDANCE_SCALE = PARAM_BOUNDS.guidanceScale.min;
export const MAX_GUIDANCE_SCALE = PARAM_BOUNDS.guidanceScale.max;
export const MIN_SEED = PARAM_BOUNDS.seed.min;
export { MAX_SEED, MIN_IMAGES_PER_REQUEST as MIN_COUNT, MAX_IMAGES_PER_REQUEST as MAX_COUNT };
/** A1111 convention: 1 uses the last CLIP layer, 2 the one before it, and so on. */
export const MIN_CLIP_SKIP = PARAM_BOUNDS.clipSkip.min;
export const MAX_CLIP_SKIP = PARAM_BOUNDS.clipSkip.max;
/** Below this an img2img run has no steps left to change anything. */
export const MIN_STRENGTH = 0.05;
export const MAX_STRENGTH = PARAM_BOUNDS.strength.max;

/** Discord allows 6000 characters in a string option; CLIP reads far fewer tokens anyway. */
export const MAX_PROMPT_CHARS = 4000;
export const MAX_NEGATIVE_CHARS = 2000;
/** Softens a mask's edge (in pixels) so the repainted part blends in. */
export const DEFAULT_MASK_BLUR = 8;

/** Upscaler model names (file names in UPSCALERS_DIR without `.onnx`). */
export const MAX_UPSCALER_NAME_CHARS = 64;
