// The protobuf wire format, just enough to walk an ONNX file: keys, varints and length-delimited
// payloads. Positions are plain numbers (safe up to 2^53 bytes), so fields can be located in files
// far larger than what fits in memory.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

const FIXED64_BYTES = 8;
const FIXED32_BYTES = 4;
const PAYLOAD_BITS = 7;
const PAYLOAD_MASK = 0x7f;
const CONTINUE_BIT = 0x80;
/** A varint never needs more than 10 bytes. */
export const MAX_VARINT_BYTES = 10;
/** Key varint + length varint: everything needed to locate a field's payload. */
export const MAX_FIELD_HEADER_BYTES = 2 * MAX_VARINT_BYTES;

export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

export interface WireField {
  readonly field: number;
  readonly wireType: number;
  /** The value of a varint field (exact up to 2^53). */
  readonly value: number;
  /** Where the payload starts and ends (for varints, the varint itself). */
  readonly start: number;
  readonly end: number;
}

/** Reads a varint at `pos` of `bytes`; returns its value and the position after it. */
export function readVarint(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = bytes[pos + i];
    if (byte === undefined) throw new ProtobufError(`truncated varint at byte ${pos}`);
    value += (byte & PAYLOAD_MASK) * scale;
    scale *= 2 ** PAYLOAD_BITS;
    if ((byte & CONTINUE_BIT) === 0) return { value, next: pos + i + 1 };
  }
  throw new ProtobufError(`varint longer than ${MAX_VARINT_BYTES} bytes at byte ${pos}`);
}

/**
 * Decodes the field header at `pos` of `bytes`. `base` is added to every returned position, so the
 * same code serves a whole message in memory (base 0) and a window read from a file.
 */
export function readFieldHeader(bytes: Uint8Array, pos: number, base = 0): WireField {
  const key = readVarint(bytes, pos);
  const field = Math.floor(key.value / 8);
  const wireType = key.value % 8;
  const at = key.next;
  switch (wireType) {
    case WIRE_VARINT: {
      const varint = readVarint(bytes, at);
      return { field, wireType, value: varint.value, start: base + at, end: base + varint.next };
    }
    case WIRE_FIXED64:
      return { field, wireType, value: 0, start: base + at, end: base + at + FIXED64_BYTES };
    case WIRE_FIXED32:
      return { field, wireType, value: 0, start: base + at, end: base + at + FIXED32_BYTES };
    case WIRE_LENGTH_DELIMITED: {
      const length = readVarint(bytes, at);
      return { field, wireType, value: length.value, start: base + length.next, end: base + length.next + length.value };
    }
    default:
      throw new ProtobufError(`unsupported wire type ${wireType} (field ${field}) at byte ${base + pos}`);
  }
}

/** Every field of a message held in memory. */
export function* messageFields(bytes: Uint8Array, start = 0, end = bytes.length): Generator<WireField> {
  let pos = start;
  while (pos < end) {
    const field = readFieldHeader(bytes, pos);
    if (field.end > end) throw new ProtobufError(`field ${field.field} runs past the end of its message (byte ${field.end} > ${end})`);
    yield field;
    pos = field.end;
  }
}

/** Packed or unpacked repeated varints (e.g. TensorProto.dims) from one field occurrence. */
export function repeatedVarints(bytes: Uint8Array, field: WireField): number[] {
  if (field.wireType === WIRE_VARINT) return [field.value];
  const values: number[] = [];
  let pos = field.start;
  while (pos < field.end) {
    const varint = readVarint(bytes, pos);
    values.push(varint.value);
    pos = varint.next;
  }
  return values;
}

const utf8 = new TextDecoder();

export function fieldString(bytes: Uint8Array, field: WireField): string {
  return utf8.decode(bytes.subarray(field.start, field.end));
}

export function fieldFloat32(bytes: Uint8Array, field: WireField): number {
  return new DataView(bytes.buffer, bytes.byteOffset + field.start, FIXED32_BYTES).getFloat32(0, true);
}
