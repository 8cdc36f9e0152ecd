// HostTensor ↔ what onnxruntime-node's native binding reads and returns. fp16 data stays Uint16Array
// bits on every Node version: on Node ≥ 23 onnxruntime-common maps float16 to the native
// Float16Array (and re-wraps Uint16Array data as one), but the binding measures a Float16Array as
// 0 bytes ("not enough space: expected N, got 0"), because node-addon-api predates
// napi_float16_array. So float16 feeds reach the binding as plain tensors with Uint16Array data
// (it reads only `type`, `dims`, `data` and `location`), and float16 outputs are read through a
// Uint16Array view of the same memory.
import ort from 'onnxruntime-node';
import type { HostTensor } from './host-tensor.js';

/** One feed for `session.run`. */
export function toOrtFeed(tensor: HostTensor): ort.Tensor {
  if (tensor.type !== 'float16') return new ort.Tensor(tensor.type, tensor.data, tensor.dims);
  const feed = { type: tensor.type, dims: tensor.dims, data: tensor.data, location: 'cpu' };
  return feed as unknown as ort.Tensor;
}

/** The raw half-precision bits of a float16 output, without a copy, whichever array type holds them. */
export function float16Bits(data: ort.Tensor['data']): Uint16Array {
  if (data instanceof Uint16Array) return data;
  if (ArrayBuffer.isView(data) && data.BYTES_PER_ELEMENT === Uint16Array.BYTES_PER_ELEMENT) {
    return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / Uint16Array.BYTES_PER_ELEMENT);
  }
  throw new TypeError('a float16 output did not hold 16-bit data');
}
