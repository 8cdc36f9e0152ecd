// CLIP skip needs the text encoder's final layer norm applied to an earlier hidden state. Its γ
// and β are read from the ONNX graph itself: first by their PyTorch names
// (`…final_layer_norm.weight/bias`), else from the LayerNormalization node that produces
// `last_hidden_state`, else from the Mul(γ)→Add(β) tail that older opsets decompose it into.
import { PipelineError } from '../errors.js';
import { OnnxGraphIndex, type OnnxNode } from '../onnx/onnx-graph-index.js';
import { ProtobufError } from '../onnx/protobuf-wire.js';

/** CLIP's layer_norm_eps (ViT-L and OpenCLIP ViT-H/bigG alike). */
export const CLIP_LAYER_NORM_EPSILON = 1e-5;
const WEIGHT_SUFFIX = 'final_layer_norm.weight';
const BIAS_SUFFIX = 'final_layer_norm.bias';
const LAST_HIDDEN_STATE = 'last_hidden_state';
/** Nodes an exporter may put between the norm and the graph output. */
const PASS_THROUGH_OPS = new Set(['Identity', 'Cast']);

export interface LayerNormParameters {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly epsilon: number;
}

interface LayerNormNames {
  readonly weight: string;
  readonly bias: string;
  readonly epsilon: number;
}

export async function readFinalLayerNorm(file: string, hiddenSize: number): Promise<LayerNormParameters> {
  try {
    return await readFrom(await OnnxGraphIndex.read(file), file, hiddenSize);
  } catch (error) {
    if (error instanceof ProtobufError) throw new PipelineError('invalid_model_folder', error.message);
    throw error;
  }
}

async function readFrom(graph: OnnxGraphIndex, file: string, hiddenSize: number): Promise<LayerNormParameters> {
  const names = byName(graph) ?? fromNormNode(graph) ?? fromDecomposedTail(graph);
  if (!names) {
    throw new PipelineError(
      'invalid_model_folder',
      `${file}: cannot find the text encoder's final layer norm (no "*${WEIGHT_SUFFIX}" initializer and no LayerNormalization producing "${LAST_HIDDEN_STATE}"), which CLIP skip needs`,
    );
  }
  const [gamma, beta] = await Promise.all([graph.readFloats(names.weight), graph.readFloats(names.bias)]);
  if (gamma.length !== hiddenSize || beta.length !== hiddenSize) {
    throw new PipelineError(
      'invalid_model_folder',
      `${file}: the final layer norm has ${gamma.length} weights and ${beta.length} biases, expected ${hiddenSize} each`,
    );
  }
  return { gamma, beta, epsilon: names.epsilon };
}

function byName(graph: OnnxGraphIndex): LayerNormNames | undefined {
  const weight = graph.tensorNames().find((name) => name.endsWith(WEIGHT_SUFFIX));
  if (weight === undefined) return undefined;
  const bias = `${weight.slice(0, -WEIGHT_SUFFIX.length)}${BIAS_SUFFIX}`;
  if (!graph.hasTensor(bias)) return undefined;
  const node = graph.nodes.find((n) => n.opType === 'LayerNormalization' && n.inputs[1] === weight);
  return { weight, bias, epsilon: epsilonOf(node) };
}

/** The node that really computes `name`, looking through Identity/Cast. */
function sourceOf(graph: OnnxGraphIndex, name: string): OnnxNode | undefined {
  let node = graph.producerOf(name);
  while (node && PASS_THROUGH_OPS.has(node.opType) && node.inputs[0] !== undefined) node = graph.producerOf(node.inputs[0]);
  return node;
}

function fromNormNode(graph: OnnxGraphIndex): LayerNormNames | undefined {
  const node = sourceOf(graph, LAST_HIDDEN_STATE);
  const [, weight, bias] = node?.inputs ?? [];
  if (node?.opType !== 'LayerNormalization' || weight === undefined || bias === undefined) return undefined;
  if (!graph.hasTensor(weight) || !graph.hasTensor(bias)) return undefined;
  return { weight, bias, epsilon: epsilonOf(node) };
}

/** last_hidden_state = Add(Mul(normalised, γ), β), with γ and β as initializers. */
function fromDecomposedTail(graph: OnnxGraphIndex): LayerNormNames | undefined {
  const add = sourceOf(graph, LAST_HIDDEN_STATE);
  if (add?.opType !== 'Add') return undefined;
  const bias = add.inputs.find((input) => graph.hasTensor(input));
  const other = add.inputs.find((input) => input !== bias);
  const mul = other === undefined ? undefined : sourceOf(graph, other);
  if (bias === undefined || mul?.opType !== 'Mul') return undefined;
  const weight = mul.inputs.find((input) => graph.hasTensor(input));
  if (weight === undefined) return undefined;
  return { weight, bias, epsilon: CLIP_LAYER_NORM_EPSILON };
}

function epsilonOf(node: OnnxNode | undefined): number {
  return node?.floatAttributes.get('epsilon') ?? CLIP_LAYER_NORM_EPSILON;
}

/** Layer norm over the last axis of [rows, hiddenSize], in place, as torch.nn.LayerNorm does. */
export function applyLayerNorm(hidden: Float32Array, hiddenSize: number, { gamma, beta, epsilon }: LayerNormParameters): void {
  for (let row = 0; row < hidden.length; row += hiddenSize) {
    let sum = 0;
    for (let j = 0; j < hiddenSize; j++) sum += hidden[row + j]!;
    const mean = sum / hiddenSize;
    let squares = 0;
    for (let j = 0; j < hiddenSize; j++) squares += (hidden[row + j]! - mean) ** 2;
    const inverseStd = 1 / Math.sqrt(squares / hiddenSize + epsilon);
    for (let j = 0; j < hiddenSize; j++) hidden[row + j] = (hidden[row + j]! - mean) * inverseStd * gamma[j]! + beta[j]!;
  }
}
