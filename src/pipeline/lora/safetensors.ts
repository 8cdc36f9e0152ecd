// A small safetensors reader: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the data. Every range is checked against the file, and
// only the float types LoRAs ship in (F16, BF16, F32) are accepted.
import { readFile } from 'node:fs/promises';
import { decodeFloat16 } from '../onnx/fp16.js';

const HEADER_LENGTH_BYTES = 8;
/** A LoRA's header is a few hundred kB at most; anything this large is not a safetensors file. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA_KEY = '__metadata__';
const BYTES_PER_ELEMENT = { F16: 2, BF16: 2, F32: 4 } as const;
const BFLOAT16_SHIFT = 16;

export type SafetensorsDtype = keyof typeof BYTES_PER_ELEMENT;

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** The values as float32 (decoded on each call). */
  floats(): Float32Array;
}

export interface SafetensorsFile {
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
}

export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  const bytes = await readFile(file);
  try {
    return parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    if (error instanceof SafetensorsError) throw new SafetensorsError(`${file}: ${error.message}`);
    throw error;
  }
}

export interface ParseOptions {
  /** `bytes` holds only the header (for listing files): data ranges are not checked, and reading data fails. */
  readonly headerOnly?: boolean;
}

/** The header, with lazy access to each tensor's data. */
export function parseSafetensors(bytes: Uint8Array, options: ParseOptions = {}): SafetensorsFile {
  if (bytes.length < HEADER_LENGTH_BYTES) throw new SafetensorsError(`is ${bytes.length} bytes long, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || HEADER_LENGTH_BYTES + headerLength > bytes.length) {
    throw new SafetensorsError(`declares a ${headerLength}-byte header, but the file holds ${bytes.length - HEADER_LENGTH_BYTES} bytes after the length`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength)));
  } catch {
    throw new SafetensorsError('has a header that is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError('has a header that is not a JSON object');
  const dataStart = HEADER_LENGTH_BYTES + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof entry === 'object' && entry !== null) {
        for (const [key, value] of Object.entries(entry)) if (typeof value === 'string') metadata[key] = value;
      }
      continue;
    }
    tensors.set(name, tensorAt(name, entry, bytes.subarray(dataStart), options.headerOnly === true ? Number.MAX_SAFE_INTEGER : dataLength));
  }
  return { metadata, tensors };
}

function tensorAt(name: string, entry: unknown, data: Uint8Array, dataLength: number): SafetensorsTensor {
  const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (dtype !== 'F16' && dtype !== 'BF16' && dtype !== 'F32') {
    throw new SafetensorsError(`tensor "${name}" has dtype ${String(dtype)}; LoRA weights must be F16, BF16 or F32`);
  }
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new SafetensorsError(`tensor "${name}" has no valid shape`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0)) {
    throw new SafetensorsError(`tensor "${name}" has no valid data_offsets`);
  }
  const [begin, end] = offsets as [number, number];
  const count = (shape as number[]).reduce((product, dim) => product * dim, 1);
  const elementBytes = BYTES_PER_ELEMENT[dtype];
  if (end < begin || end > dataLength || end - begin !== count * elementBytes) {
    throw new SafetensorsError(`tensor "${name}" claims bytes ${begin}–${end} for ${count} ${dtype} values in ${dataLength} bytes of data`);
  }
  const raw = data.subarray(begin, end);
  return {
    dtype,
    shape: shape as number[],
    floats: () => {
      if (raw.length !== end - begin) throw new SafetensorsError(`tensor "${name}": only the header was read`);
      return decode(raw, dtype, count);
    },
  };
}

function decode(raw: Uint8Array, dtype: SafetensorsDtype, count: number): Float32Array {
  // Copy first: the data may sit at an odd offset, and typed arrays need aligned buffers.
  const aligned = raw.slice();
  switch (dtype) {
    case 'F32':
      return new Float32Array(aligned.buffer, 0, count);
    case 'F16':
      return decodeFloat16(new Uint16Array(aligned.buffer, 0, count));
    case 'BF16': {
      const words = new Uint16Array(aligned.buffer, 0, count);
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = (words[i]! << BFLOAT16_SHIFT) >>> 0;
      return out;
    }
  }
}
