// Fills a (possibly batched) buffer with the scheduler's own Gaussian noise.
import type { Rng } from '../sd/rng.js';
import type { NoiseSource } from './scheduler.js';

/** One Rng fills all of `out`; an array of k Rngs fills k equal consecutive parts, one each. */
export function fillNoise(out: Float32Array, source: NoiseSource): Float32Array {
  if (!isRngList(source)) return source.fillGaussian(out);
  if (source.length === 0 || out.length % source.length !== 0) {
    throw new RangeError(`cannot split ${out.length} noise values evenly over ${source.length} random streams`);
  }
  const part = out.length / source.length;
  source.forEach((rng, k) => {
    rng.fillGaussian(out.subarray(k * part, (k + 1) * part));
  });
  return out;
}

function isRngList(source: NoiseSource): source is readonly Rng[] {
  return Array.isArray(source);
}
