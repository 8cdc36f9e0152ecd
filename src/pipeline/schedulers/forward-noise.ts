// The forward diffusion process at one noise level, for img2img's starting latents.

/** √ᾱ·x + √(1 − ᾱ)·noise, as a new array. */
export function mixNoise(original: Float32Array, noise: Float32Array, alphaCumprod: number): Float32Array {
  if (noise.length !== original.length) {
    throw new RangeError(`addNoise(): ${original.length} latent values but ${noise.length} noise values`);
  }
  const signal = Math.sqrt(alphaCumprod);
  const spread = Math.sqrt(1 - alphaCumprod);
  const out = new Float32Array(original.length);
  for (let i = 0; i < original.length; i++) out[i] = signal * (original[i] as number) + spread * (noise[i] as number);
  return out;
}
