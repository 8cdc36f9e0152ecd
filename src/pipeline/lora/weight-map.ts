// Where each torch module's weight lives in an ONNX export. torch.onnx keeps module paths in node
// names (`/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul`); a Linear weight is
// then usually an anonymous initializer (`onnx::MatMul_9001`) stored transposed as [in, out]. Some
// exports keep named initializers (`down_blocks.0.….to_q.weight`) in torch's [out, in] layout.
// Conv weights stay [out, in, kh, kw]. The map is built once per model file and cached.
import { stat } from 'node:fs/promises';
import { OnnxGraphIndex, type OnnxNode, type TensorStorage } from '../onnx/onnx-graph-index.js';

/** How the initializer's bytes relate to torch's [out, in]: as is, or transposed ([in, out]). */
export type WeightLayout = 'torch' | 'transposed';

export interface WeightTarget {
  readonly initializer: string;
  readonly layout: WeightLayout;
  readonly storage: TensorStorage;
}

export interface WeightMap {
  readonly file: string;
  /** Module path → weight, e.g. `mid_block.attentions.0.transformer_blocks.0.attn2.to_k`. */
  readonly modules: ReadonlyMap<string, WeightTarget>;
  /** External data files of the model, relative to its folder. */
  readonly externalFiles: readonly string[];
}

const WEIGHT_SUFFIX = '.weight';
const WEIGHT_OPS = new Set(['MatMul', 'Gemm', 'Conv']);
/** Ops a weight may pass through between its initializer and the MatMul/Conv that uses it. */
const PASS_THROUGH_OPS = new Set(['Identity', 'Cast', 'Transpose']);

const cache = new Map<string, { readonly stamp: string; readonly map: WeightMap }>();

export async function weightMapOf(file: string): Promise<WeightMap> {
  const info = await stat(file);
  const stamp = `${info.size}:${info.mtimeMs}`;
  const cached = cache.get(file);
  if (cached?.stamp === stamp) return cached.map;
  const map = buildWeightMap(await OnnxGraphIndex.read(file));
  cache.set(file, { stamp, map });
  return map;
}

export function buildWeightMap(index: OnnxGraphIndex): WeightMap {
  const modules = new Map<string, WeightTarget>();
  for (const name of index.tensorNames()) {
    if (!name.endsWith(WEIGHT_SUFFIX)) continue;
    const storage = index.tensorStorage(name);
    if (storage === undefined) continue;
    // A named weight read through a Transpose by a MatMul is torch's [out, in] all the same.
    modules.set(name.slice(0, -WEIGHT_SUFFIX.length), { initializer: name, layout: 'torch', storage });
  }
  for (const node of index.nodes) {
    if (!WEIGHT_OPS.has(node.opType)) continue;
    const module = modulePathOf(node);
    if (module === undefined || modules.has(module)) continue;
    const weight = weightInput(index, node);
    if (weight === undefined) continue;
    const storage = index.tensorStorage(weight.initializer);
    if (storage === undefined) continue;
    modules.set(module, { initializer: weight.initializer, layout: weight.transposes % 2 === 0 ? layoutOf(node) : flip(layoutOf(node)), storage });
  }
  return { file: index.file, modules, externalFiles: index.externalFiles() };
}

/** `/up_blocks.1/attentions.0/…/to_k/MatMul` → `up_blocks.1.attentions.0.….to_k`. */
export function modulePathOf(node: OnnxNode): string | undefined {
  if (!node.name.startsWith('/')) return undefined;
  const segments = node.name.slice(1).split('/');
  if (segments.length < 2) return undefined;
  return segments.slice(0, -1).join('.');
}

function layoutOf(node: OnnxNode): WeightLayout {
  // MatMul computes x·W, so its W is [in, out]; Gemm (transB=1, as torch exports it) and Conv keep torch's.
  return node.opType === 'MatMul' ? 'transposed' : 'torch';
}

function flip(layout: WeightLayout): WeightLayout {
  return layout === 'torch' ? 'transposed' : 'torch';
}

function weightInput(index: OnnxGraphIndex, node: OnnxNode): { initializer: string; transposes: number } | undefined {
  let name = node.inputs[1];
  let transposes = 0;
  for (let hops = 0; name !== undefined && hops < PASS_THROUGH_OPS.size + 1; hops++) {
    if (index.hasTensor(name)) return { initializer: name, transposes };
    const producer = index.producerOf(name);
    if (producer === undefined || !PASS_THROUGH_OPS.has(producer.opType)) return undefined;
    if (producer.opType === 'Transpose') transposes += 1;
    name = producer.inputs[0];
  }
  return undefined;
}
