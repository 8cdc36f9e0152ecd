import { describe, expect, it } from 'vitest';
import { applyTokenWeights } from '../../../../src/pipeline/text/prompt/apply-token-weights.js';

function mean(values: Float32Array): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

describe('applyTokenWeights', () => {
  it.each<[string, number[], number[], number[]]>([
    // mean 2.5 → weighted [2, 4, 3, 4] has mean 3.25 → × 2.5/3.25.
    ['scales a token, then restores the mean', [1, 2, 3, 4], [2, 1], [2, 4, 3, 4].map((v) => (v * 2.5) / 3.25)],
    // mean 2.5 → weighted [0, 0, 3, 4] has mean 1.75 → × 2.5/1.75.
    ['weight 0 silences a token, the rest carries the mean', [1, 2, 3, 4], [0, 1], [0, 0, 3, 4].map((v) => (v * 2.5) / 1.75)],
    // mean 1 → weighted [1, 1, 0.5, 1.5] has mean 1 → unchanged after weighting.
    ['a token whose embedding has zero mean changes only its own scale', [1, 1, 1, -1], [1, 0.5], [1, 1, 0.5, -0.5]],
    ['all weights 1 leave the values untouched', [0.1, 0.2, 0.3, 0.7], [1, 1], [0.1, 0.2, 0.3, 0.7]],
    ['a zero weighted mean is left as weighted, not NaN', [1, -1, 2, -2], [0, 0], [0, 0, 0, 0]],
  ])('%s', (_name, values, weights, expected) => {
    const hidden = Float32Array.from(values);
    applyTokenWeights(hidden, weights, 2, 2);
    [...hidden].forEach((value, index) => expect(value).toBeCloseTo(expected[index] ?? Number.NaN, 5));
  });

  it('restores the original mean exactly enough for the UNet', () => {
    const hidden = Float32Array.from({ length: 77 * 8 }, (_, i) => Math.sin(i) + 0.3);
    const before = mean(hidden);
    const weights = Array.from({ length: 77 }, (_, token) => (token % 3 === 0 ? 1.21 : 0.9));
    applyTokenWeights(hidden, weights, 77, 8);
    expect(mean(hidden)).toBeCloseTo(before, 5);
  });

  it('keeps unweighted prompts bit-identical', () => {
    const values = Float32Array.from([0.1, 1e-8, -3.3, 7]);
    const hidden = values.slice();
    applyTokenWeights(hidden, [1, 1], 2, 2);
    expect(hidden).toEqual(values);
  });

  it('weights only the chunk it is given (subarray of a batch)', () => {
    const batch = Float32Array.from([1, 2, 3, 4, 1, 2, 3, 4]);
    applyTokenWeights(batch.subarray(4), [2, 1], 2, 2);
    expect([...batch.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(batch[4]).toBeCloseTo((2 * 2.5) / 3.25, 6);
  });

  it('rejects mismatched sizes', () => {
    expect(() => applyTokenWeights(new Float32Array(6), [1, 2], 2, 2)).toThrow(RangeError);
    expect(() => applyTokenWeights(new Float32Array(4), [1, 2, 3], 2, 2)).toThrow(RangeError);
  });
});
