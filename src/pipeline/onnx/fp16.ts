// IEEE 754 half-precision conversion. fp16 model folders take and return Uint16Array data;
// everything above this module works in float32.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round-to-nearest-even float32 → float16 bits. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;

  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Inf / NaN
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign; // underflow → ±0
    mantissa |= 0x800000; // subnormal: make the implicit bit explicit
    const shift = 14 - halfExponent;
    const truncated = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const roundUp = remainder > halfway || (remainder === halfway && (truncated & 1) === 1);
    return sign | (roundUp ? truncated + 1 : truncated);
  }
  // Normal: keep 10 mantissa bits, round half to even (a carry into the exponent is correct).
  const halfBits = sign | (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (halfBits & 1) === 1)) return halfBits + 1;
  return halfBits;
}

let decodeTable: Float32Array | undefined;

/** All 65 536 half values, built once: decoding is then a table lookup per element. */
function halfDecodeTable(): Float32Array {
  if (decodeTable) return decodeTable;
  const table = new Float32Array(0x10000);
  for (let bits = 0; bits < 0x10000; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) table[bits] = mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else table[bits] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  decodeTable = table;
  return table;
}

export function float16BitsToFloat32(bits: number): number {
  return halfDecodeTable()[bits & 0xffff]!;
}

export function encodeFloat16(source: Float32Array, target: Uint16Array = new Uint16Array(source.length)): Uint16Array {
  for (let i = 0; i < source.length; i++) target[i] = float32ToFloat16Bits(source[i]!);
  return target;
}

export function decodeFloat16(source: Uint16Array, target: Float32Array = new Float32Array(source.length)): Float32Array {
  const table = halfDecodeTable();
  for (let i = 0; i < source.length; i++) target[i] = table[source[i]!]!;
  return target;
}
