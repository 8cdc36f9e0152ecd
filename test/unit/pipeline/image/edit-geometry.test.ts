// Where inpainting regions and outpainting placements fall on the canvas, and the hires fix's
// latent upscale: pure geometry, checked against hand-worked cases.
import { describe, expect, it } from 'vitest';
import { downsampleMask, drawRegion } from '../../../../src/pipeline/image/mask.js';
import { placementOf } from '../../../../src/pipeline/image/outpaint-canvas.js';
import { resizeLatents } from '../../../../src/pipeline/sd/latent-resize.js';
import { tileStarts } from '../../../../src/pipeline/upscale/tiled-upscale.js';
import type { MaskRegion } from '../../../../src/pipeline/types.js';

/** Rows of 0/1 for a small drawn region. */
function rows(region: MaskRegion, width: number, height: number): string[] {
  const mask = drawRegion(region, width, height);
  return Array.from({ length: height }, (_, y) => Array.from(mask.subarray(y * width, (y + 1) * width), (v) => (v > 0 ? '1' : '0')).join(''));
}

describe('region masks (white repaints)', () => {
  it.each<[MaskRegion, string[]]>([
    ['left', ['11110000', '11110000', '11110000', '11110000']],
    ['right', ['00001111', '00001111', '00001111', '00001111']],
    ['top', ['11111111', '11111111', '00000000', '00000000']],
    ['bottom', ['00000000', '00000000', '11111111', '11111111']],
    ['centre', ['00000000', '00111100', '00111100', '00000000']],
    ['border', ['11111111', '10000001', '10000001', '11111111']],
  ])('%s', (region, expected) => {
    expect(rows(region, 8, 4)).toEqual(expected);
  });

  it('the latent mask is the mean of each 8×8 block', () => {
    const mask = { data: Float32Array.from(drawRegion('left', 24, 8), (v) => v / 255), width: 24, height: 8 };
    expect([...downsampleMask(mask, 8)]).toEqual([1, 0.5, 0]);
  });
});

describe('outpainting placements', () => {
  it.each([
    [{ kind: 'zoom', factor: 2 } as const, 1024, 1024, { left: 256, top: 256, width: 512, height: 512 }],
    [{ kind: 'zoom', factor: 1.5 } as const, 768, 768, { left: 128, top: 128, width: 512, height: 512 }],
    [{ kind: 'pan', direction: 'left' } as const, 768, 512, { left: 256, top: 0, width: 512, height: 512 }],
    [{ kind: 'pan', direction: 'right' } as const, 768, 512, { left: 0, top: 0, width: 512, height: 512 }],
    [{ kind: 'pan', direction: 'up' } as const, 512, 768, { left: 0, top: 256, width: 512, height: 512 }],
    [{ kind: 'pan', direction: 'down' } as const, 512, 768, { left: 0, top: 0, width: 512, height: 512 }],
  ])('%j on %i×%i', (outpaint, width, height, expected) => {
    expect(placementOf(outpaint, width, height)).toEqual(expected);
  });
});

describe('latent upscale (bilinear, align_corners false)', () => {
  it('doubles a 2×2 plane as torch.nn.functional.interpolate does', () => {
    const out = resizeLatents(Float32Array.of(0, 1, 2, 3), 1, 1, 2, 2, 4, 4);
    expect([...out]).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });
});

describe('upscaler tiles', () => {
  it('step by tile − overlap and end flush with the edge', () => {
    expect(tileStarts(100, { tileSize: 32, overlap: 8 })).toEqual([0, 24, 48, 68]);
    expect(tileStarts(30, { tileSize: 32, overlap: 8 })).toEqual([0]);
  });
});
