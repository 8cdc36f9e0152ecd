import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits, roundToFloat16 } from '../../fixtures/oracle/index.js';

describe('float16 bits', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up to infinity
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -26, 0x0000], // below half of it
    [2049, 0x6800], // tie goes to even (2048)
    [2051, 0x6802], // tie goes to even (2052)
    [946.42, 0x6365], // 946.5: the fractional timestep a float16 UNet sees
  ])('%s → 0x%s', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('NaN stays NaN and bits round-trip', () => {
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
    for (let bits = 0; bits < 0x7c00; bits += 37) {
      expect(float32ToFloat16Bits(float16BitsToFloat32(bits))).toBe(bits);
    }
    expect(roundToFloat16(946.42)).toBe(946.5);
  });
});
