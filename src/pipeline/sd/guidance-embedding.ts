// LCM's `timestep_cond`: a sinusoidal embedding of the guidance scale (diffusers
// `get_guidance_scale_embedding`, called with w = guidance − 1 and scaled by 1000).

const GUIDANCE_EMBEDDING_SCALE = 1000;
const MAX_PERIOD = 10_000;

export function guidanceScaleEmbedding(guidanceScale: number, size: number): Float32Array {
  const w = (guidanceScale - 1) * GUIDANCE_EMBEDDING_SCALE;
  const half = Math.floor(size / 2);
  const out = new Float32Array(size); // an odd size leaves the last entry 0, as diffusers pads
  const exponent = Math.log(MAX_PERIOD) / (half - 1);
  for (let i = 0; i < half; i++) {
    const angle = w * Math.exp(-exponent * i);
    out[i] = Math.sin(angle);
    out[half + i] = Math.cos(angle);
  }
  return out;
}
