// Tensors as the rest of the pipeline sees them: plain typed arrays plus dims, no onnxruntime types.
import { decodeFloat16, encodeFloat16 } from './fp16.js';

export type TensorType = 'float32' | 'float16' | 'int32' | 'int64' | 'bool';
export type FloatTensorType = 'float32' | 'float16';

export type HostTensor =
  | { readonly type: 'float32'; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly type: 'float16'; readonly dims: readonly number[]; readonly data: Uint16Array }
  | { readonly type: 'int32'; readonly dims: readonly number[]; readonly data: Int32Array }
  | { readonly type: 'int64'; readonly dims: readonly number[]; readonly data: BigInt64Array }
  /** One byte per value, 0 or 1 (e.g. the safety checker's `has_nsfw_concepts`). */
  | { readonly type: 'bool'; readonly dims: readonly number[]; readonly data: Uint8Array };

/** A model input or output as declared by the graph. Symbolic dims are strings, unknown ones -1. */
export interface TensorSpec {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

/** Wraps float32 data as the dtype the graph wants. fp16 costs one conversion; `scratch` avoids reallocating it. */
export function floatTensor(
  type: FloatTensorType,
  data: Float32Array,
  dims: readonly number[],
  scratch?: Uint16Array,
): HostTensor {
  if (type === 'float32') return { type, dims, data };
  return { type, dims, data: encodeFloat16(data, scratch?.length === data.length ? scratch : undefined) };
}

/** Float32 view of a float output: no copy for float32, one decode for float16. */
export function toFloat32(tensor: HostTensor, scratch?: Float32Array): Float32Array {
  switch (tensor.type) {
    case 'float32':
      return tensor.data;
    case 'float16':
      return decodeFloat16(tensor.data, scratch?.length === tensor.data.length ? scratch : undefined);
    case 'int32':
    case 'int64':
    case 'bool':
      throw new TypeError(`expected a float tensor, got ${tensor.type}`);
  }
}

export function intTensor(type: 'int32' | 'int64', values: readonly number[], dims: readonly number[]): HostTensor {
  return type === 'int32'
    ? { type, dims, data: Int32Array.from(values) }
    : { type, dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

export function isFloatType(type: string): type is FloatTensorType {
  return type === 'float32' || type === 'float16';
}
