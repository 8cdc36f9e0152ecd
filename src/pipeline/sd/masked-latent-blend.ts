// Inpainting on a normal (4-channel) UNet, as diffusers' masked img2img does it: after every step
// the kept region (mask 0) is put back to the init latents noised to the next step's level, and
// after the last step to the init latents themselves. That holds the kept region in latent space;
// its pixels come back exactly through the final overlay (image/apply-overlay.ts) after decoding.
import type { Scheduler } from '../schedulers/scheduler.js';

export interface NoiseLevel {
  /** Weight of the clean latents. */
  readonly signal: number;
  /** Weight of the noise. */
  readonly spread: number;
}

/** The clean end of the run: exactly the init latents. */
export const CLEAN: NoiseLevel = { signal: 1, spread: 0 };

/**
 * The scheduler's add_noise at `timestep` as two weights. Every scheduler's add_noise is
 * signal·x + spread·noise, so noising x = 1 with noise = 0 (and the reverse) reads them off.
 */
export function noiseLevelAt(scheduler: Scheduler, timestep: number): NoiseLevel {
  const [signal, spread] = scheduler.addNoise(Float32Array.of(1, 0), Float32Array.of(0, 1), timestep);
  return { signal: signal ?? 1, spread: spread ?? 0 };
}

export class MaskedLatentBlend {
  private readonly out: Float32Array;
  private readonly plane: number;
  private readonly latentSize: number;

  /**
   * @param initLatent scaled init latents of one image, [4, h, w], shared by the batch
   * @param mask [h, w] at latent size, 1 repaints
   * @param noise the starting noise of the whole batch, [N, 4, h, w]; the same noise the run began with
   */
  constructor(
    private readonly initLatent: Float32Array,
    private readonly mask: Float32Array,
    private readonly noise: Float32Array,
  ) {
    this.out = new Float32Array(noise.length);
    this.plane = mask.length;
    this.latentSize = initLatent.length;
  }

  /** mask·latents + (1 − mask)·(signal·init + spread·noise), into a buffer reused every step. */
  apply(latents: Float32Array, level: NoiseLevel): Float32Array {
    const { signal, spread } = level;
    const { out, mask, initLatent, noise, plane, latentSize } = this;
    for (let i = 0; i < out.length; i++) {
      const m = mask[i % plane]!;
      const kept = signal * initLatent[i % latentSize]! + spread * noise[i]!;
      out[i] = m * latents[i]! + (1 - m) * kept;
    }
    return out;
  }
}
