import { describe, expect, it } from 'vitest';
import { applyOverlay } from '../../../../src/pipeline/image/apply-overlay.js';

/** Three pixels: kept (0), half (0.5), repainted (1). */
const MASK = { data: Float32Array.of(0, 0.5, 1), width: 3, height: 1 };

describe('applyOverlay', () => {
  it('keeps the original where the mask is 0, the decoded image where it is 1, and blends in between', () => {
    const decoded = Uint8Array.of(10, 20, 30, 100, 200, 0, 7, 8, 9);
    const original = Uint8Array.of(250, 240, 230, 0, 100, 255, 1, 2, 3);
    applyOverlay(decoded, original, MASK);
    expect([...decoded]).toEqual([250, 240, 230, 50, 150, 128, 7, 8, 9]);
  });

  it('refuses images of another size than the mask', () => {
    expect(() => applyOverlay(new Uint8Array(6), new Uint8Array(9), MASK)).toThrow(/3x1/);
  });
});
