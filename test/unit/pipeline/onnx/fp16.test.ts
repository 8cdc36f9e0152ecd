import { describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits } from '../../../../src/pipeline/onnx/fp16.js';

describe('float16 conversion', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff], // largest half
    [70000, 0x7c00], // overflow → +Inf
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -26, 0x0000], // underflow → 0
    [1 + 2 ** -11, 0x3c00], // halfway, rounds to even (down)
    [1 + 3 * 2 ** -11, 0x3c02], // halfway, rounds to even (up)
    [Number.POSITIVE_INFINITY, 0x7c00],
  ])('encodes %d as 0x%s', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('encodes NaN as a NaN', () => {
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(Number.NaN)))).toBe(true);
  });

  it('round-trips every half value exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = float16BitsToFloat32(bits);
      if (Number.isNaN(value)) continue;
      expect(float32ToFloat16Bits(value)).toBe(bits);
    }
  });

  it('keeps relative error under 2^-11 across the normal range', () => {
    const source = Float32Array.from({ length: 1000 }, (_, i) => (i - 500) * 0.0731 + 0.001);
    const back = decodeFloat16(encodeFloat16(source));
    source.forEach((value, i) => expect(Math.abs(back[i]! - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -11 + 1e-7));
  });
});
