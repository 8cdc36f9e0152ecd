// ΔW = up · down · (alpha / r) · weight, laid out like the weight it is added to: torch's
// [out, in] (conv: [out, in·kh·kw]), or transposed [in, out] for weights torch.onnx stored that way.
import type { LoraModule } from './lora-file.js';
import type { WeightLayout } from './weight-map.js';

/** c [m, n] = a [m, k] · b [k, n], row-major. */
export type Multiply = (a: Float32Array, b: Float32Array, m: number, k: number, n: number) => Promise<Float32Array>;

export interface LoraShape {
  readonly rank: number;
  readonly out: number;
  /** in · kh · kw for conv weights. */
  readonly inner: number;
}

export function loraShape(module: LoraModule): LoraShape {
  const [rank = 0, ...downRest] = module.down.shape;
  return { rank, out: module.up.shape[0] ?? 0, inner: downRest.reduce((product, dim) => product * dim, 1) };
}

export async function loraDelta(module: LoraModule, weight: number, layout: WeightLayout, multiply: Multiply = multiplyInJs): Promise<Float32Array> {
  const { rank, out, inner } = loraShape(module);
  const alpha = module.alpha?.floats()[0] ?? rank;
  const scale = (alpha / rank) * weight;
  const up = module.up.floats().map((value) => value * scale);
  const down = module.down.floats();
  if (layout === 'torch') return multiply(up, down, out, rank, inner);
  // (up·down)ᵀ = downᵀ·upᵀ: the small factors are transposed, never the large product.
  return multiply(transpose(down, rank, inner), transpose(up, out, rank), inner, rank, out);
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c] ?? 0;
  return out;
}

/** The plain product, for callers without an onnxruntime session at hand. */
export async function multiplyInJs(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Promise<Float32Array> {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const factor = a[i * k + p] ?? 0;
      if (factor === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] as number) + factor * (b[p * n + j] as number);
    }
  }
  return c;
}
