// Random seeds for new requests. Image i of a request uses seed + i, so a random first seed leaves
// room for the largest batch below MAX_SEED.
import { MAX_IMAGES_PER_REQUEST, MAX_SEED } from '../pipeline/types.js';

const RANDOM_SEED_SPAN = MAX_SEED - MAX_IMAGES_PER_REQUEST + 2;

/** A seed in [0, MAX_SEED − MAX_IMAGES_PER_REQUEST + 1] from a uniform [0, 1) source. */
export function randomSeed(random: () => number): number {
  const unit = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(unit * RANDOM_SEED_SPAN);
}
