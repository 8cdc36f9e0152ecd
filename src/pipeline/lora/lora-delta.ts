// ΔW = up · down · (alpha / r) · weight, in torch's layout [out, in] (conv: [out, in·kh·kw]).
import type { LoraModule } from './lora-file.js';

export interface LoraDelta {
  readonly out: number;
  /** in · kh · kw for conv weights. */
  readonly inner: number;
  /** Row-major [out][inner]. */
  readonly values: Float32Array;
}

export function loraDelta(module: LoraModule, weight: number): LoraDelta {
  const [rank = 0, ...downRest] = module.down.shape;
  const out = module.up.shape[0] ?? 0;
  const inner = downRest.reduce((product, dim) => product * dim, 1);
  const alpha = module.alpha?.floats()[0] ?? rank;
  const scale = (alpha / rank) * weight;
  const down = module.down.floats();
  const up = module.up.floats();
  const values = new Float32Array(out * inner);
  // Plain offsets, no views: this loop is the cold-apply cost (out·rank·in multiply-adds per module).
  for (let o = 0; o < out; o++) {
    const rowStart = o * inner;
    for (let r = 0; r < rank; r++) {
      const factor = (up[o * rank + r] ?? 0) * scale;
      if (factor === 0) continue;
      const downStart = r * inner;
      for (let i = 0; i < inner; i++) values[rowStart + i] = (values[rowStart + i] as number) + factor * (down[downStart + i] as number);
    }
  }
  return { out, inner, values };
}
