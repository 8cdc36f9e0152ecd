// A one-node ONNX model, C = A·B in float32 with free dimensions, written with the protobuf wire
// format directly. onnxruntime's MatMul kernels are many times faster than a loop in JavaScript,
// which matters for LoRAs: ΔW = up·down is out·r·in multiply-adds per module, billions per LoRA set.
import { PipelineError } from '../errors.js';
import { OnnxModel } from './onnx-model.js';
import { WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-wire.js';

const IR_VERSION = 8;
const OPSET = 17;
const FLOAT = 1;
const MODEL = { irVersion: 1, graph: 7, opsetImport: 8 } as const;
const OPSET_ID = { version: 2 } as const;
const GRAPH = { node: 1, name: 2, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, opType: 4 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensorType: 1 } as const;
const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIMENSION = { dimParam: 2 } as const;

const utf8 = new TextEncoder();

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function varintField(field: number, value: number): number[] {
  return [...varint(field * 8 + WIRE_VARINT), ...varint(value)];
}

function bytesField(field: number, payload: readonly number[] | Uint8Array): number[] {
  return [...varint(field * 8 + WIRE_LENGTH_DELIMITED), ...varint(payload.length), ...payload];
}

const text = (field: number, value: string): number[] => bytesField(field, utf8.encode(value));

function matrixInfo(name: string, rows: string, cols: string): number[] {
  const dim = (param: string): number[] => bytesField(SHAPE.dim, text(DIMENSION.dimParam, param));
  const tensorType = [...varintField(TENSOR_TYPE.elemType, FLOAT), ...bytesField(TENSOR_TYPE.shape, [...dim(rows), ...dim(cols)])];
  return [...text(VALUE_INFO.name, name), ...bytesField(VALUE_INFO.type, bytesField(TYPE.tensorType, tensorType))];
}

/** The bytes of a model computing c[m,n] = a[m,k] · b[k,n]. */
export function matmulModelBytes(): Uint8Array {
  const node = [...text(NODE.input, 'a'), ...text(NODE.input, 'b'), ...text(NODE.output, 'c'), ...text(NODE.opType, 'MatMul')];
  const graph = [
    ...bytesField(GRAPH.node, node),
    ...text(GRAPH.name, 'matmul'),
    ...bytesField(GRAPH.input, matrixInfo('a', 'm', 'k')),
    ...bytesField(GRAPH.input, matrixInfo('b', 'k', 'n')),
    ...bytesField(GRAPH.output, matrixInfo('c', 'm', 'n')),
  ];
  return Uint8Array.from([
    ...varintField(MODEL.irVersion, IR_VERSION),
    ...bytesField(MODEL.opsetImport, varintField(OPSET_ID.version, OPSET)),
    ...bytesField(MODEL.graph, graph),
  ]);
}

/** Multiplies float32 matrices on the cpu with onnxruntime. */
export class MatMul {
  private constructor(private readonly model: OnnxModel) {}

  static async create(threads?: number): Promise<MatMul> {
    return new MatMul(await OnnxModel.loadBytes(matmulModelBytes(), 'matmul', { provider: 'cpu', ...(threads === undefined ? {} : { threads }) }));
  }

  /** a [m, k] · b [k, n] → [m, n], row-major. */
  async multiply(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Promise<Float32Array> {
    const out = await this.model.run({ a: { type: 'float32', dims: [m, k], data: a }, b: { type: 'float32', dims: [k, n], data: b } });
    const c = out['c'];
    if (c?.type !== 'float32') throw new PipelineError('invalid_params', 'the LoRA matrix product returned no float32 result');
    return c.data;
  }

  async release(): Promise<void> {
    await this.model.release();
  }
}
