import { describe, expect, it } from 'vitest';
import { MAX_ASPECT_RATIO, SIZE_STEP } from '../../../src/commands/limits.js';
import { fitSize, sizeForAspect, snapSize } from '../../../src/commands/sizes.js';

describe('sizeForAspect', () => {
  it.each([
    // SDXL's own training buckets come out of the 1024² budget.
    { ratio: 1, budget: 1024 * 1024, size: [1024, 1024] },
    { ratio: 16 / 9, budget: 1024 * 1024, size: [1344, 768] },
    { ratio: 9 / 16, budget: 1024 * 1024, size: [768, 1344] },
    { ratio: 3 / 2, budget: 1024 * 1024, size: [1216, 832] },
    { ratio: 4 / 3, budget: 1024 * 1024, size: [1152, 896] },
    { ratio: 21 / 9, budget: 1024 * 1024, size: [1536, 640] },
    { ratio: 1, budget: 512 * 512, size: [512, 512] },
    { ratio: 3 / 2, budget: 512 * 512, size: [576, 384] },
    { ratio: 2, budget: 512 * 512, size: [640, 320] },
    { ratio: 1, budget: 768 * 768, size: [768, 768] },
  ])('$ratio in $budget px → $size', ({ ratio, budget, size }) => {
    const result = sizeForAspect(ratio, budget);
    expect([result.width, result.height]).toEqual(size);
  });

  it('stays within the budget, on the grid and near the shape for every ratio from 1:4 to 4:1', () => {
    for (const budget of [512 * 512, 768 * 768, 1024 * 1024]) {
      for (let ratio = 1 / MAX_ASPECT_RATIO; ratio <= MAX_ASPECT_RATIO; ratio *= 1.01) {
        const { width, height } = sizeForAspect(ratio, budget);
        expect(width * height).toBeLessThanOrEqual(budget);
        expect(width % SIZE_STEP + (height % SIZE_STEP)).toBe(0);
        expect(width * height).toBeGreaterThan(budget * 0.6);
        // On a 64-pixel grid in 512² the nearest shapes can be 12% apart.
        expect(Math.abs(Math.log(width / height / ratio))).toBeLessThan(0.125);
      }
    }
  });
});

describe('snapSize and fitSize', () => {
  it.each([
    [[1000, 700], [1024, 704]],
    [[768, 512], [768, 512]],
    [[10, 10], [64, 64]],
    [[95, 95], [64, 64]],
    [[95, 97], [64, 128]],
    [[96, 96], [128, 128]],
  ])('snaps %j to %j', (from, to) => {
    const size = snapSize({ width: from[0]!, height: from[1]! });
    expect([size.width, size.height]).toEqual(to);
  });

  it('leaves a size that fits alone and shrinks one that does not, keeping its shape', () => {
    expect(fitSize({ width: 512, height: 768 }, 768 * 768)).toEqual({ width: 512, height: 768 });
    const fitted = fitSize({ width: 2048, height: 1024 }, 768 * 768);
    expect(fitted.width * fitted.height).toBeLessThanOrEqual(768 * 768);
    expect(fitted.width / fitted.height).toBeCloseTo(2, 1);
  });
});
