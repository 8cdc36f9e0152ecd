// The one table of bounds on what a generation may ask for. The pipeline enforces it
// (validate-params.ts); the commands layer words its option errors and slash-option ranges from
// it, so a value the commands accept is never refused further down.
import { MAX_IMAGES_PER_REQUEST, MAX_SEED, MIN_IMAGES_PER_REQUEST, SIZE_MULTIPLE } from '../types.js';

export const PARAM_BOUNDS = {
  steps: { min: 1, max: 150 },
  guidanceScale: { min: 0, max: 30 },
  /** Width and height, in pixels: a multiple of SIZE_MULTIPLE in this range. */
  side: { min: 8, max: 4096, multiple: SIZE_MULTIPLE },
  /** A1111 convention: 1 uses the last CLIP layer, 2 the one before it, and so on. */
  clipSkip: { min: 1, max: 12 },
  strength: { min: 0, max: 1 },
  count: { min: MIN_IMAGES_PER_REQUEST, max: MAX_IMAGES_PER_REQUEST },
  seed: { min: 0, max: MAX_SEED },
} as const;
