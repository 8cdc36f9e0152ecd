import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { latentPreviewPng, latentToRgb, PREVIEW_MAX_SIDE } from '../../../../src/pipeline/image/latent-preview.js';

function flatLatent(values: [number, number, number, number], height: number, width: number, count = 1): Float32Array {
  const plane = height * width;
  const out = new Float32Array(count * 4 * plane);
  for (let n = 0; n < count; n++) for (let c = 0; c < 4; c++) out.fill(values[c]!, (n * 4 + c) * plane, (n * 4 + c + 1) * plane);
  return out;
}

describe('latent → RGB preview', () => {
  it('applies the SD1 4×3 map and (x+1)·127.5', () => {
    const rgb = new Uint8Array(3);
    latentToRgb(flatLatent([1, 0, 0, 0], 1, 1), 1, 1, 'sd', rgb, 1);
    expect([...rgb]).toEqual([Math.round(1.3512 * 127.5), Math.round(1.2297 * 127.5), Math.round(1.3227 * 127.5)]);
    latentToRgb(flatLatent([0, 0, 0, 1], 1, 1), 1, 1, 'sd', rgb, 1);
    expect([...rgb]).toEqual([Math.round(0.788 * 127.5), Math.round(0.7384 * 127.5), Math.round(0.2823 * 127.5)]);
  });

  it('applies the SDXL bias', () => {
    const rgb = new Uint8Array(3);
    latentToRgb(flatLatent([0, 0, 0, 0], 1, 1), 1, 1, 'sdxl', rgb, 1);
    expect([...rgb]).toEqual([Math.round(1.1084 * 127.5), Math.round(0.9825 * 127.5), Math.round(0.9989 * 127.5)]);
  });

  it('tiles several images into one small PNG no larger than 256 px', async () => {
    const latents = flatLatent([0.5, -0.2, 0.1, 0.3], 96, 64, 4);
    const png = latentPreviewPng(latents, 4, 96, 64, 'sd');
    const meta = await sharp(png).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(PREVIEW_MAX_SIDE);
    expect(meta.width! / meta.height!).toBeCloseTo(128 / 192, 1);
  });

  it('encodes exactly the mapped colour, readable by sharp', async () => {
    const png = latentPreviewPng(flatLatent([1, 0, 0, 0], 3, 5), 1, 3, 5, 'sd');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([5, 3, 3]);
    for (let i = 0; i < data.length; i += 3) {
      expect([data[i], data[i + 1], data[i + 2]]).toEqual([Math.round(1.3512 * 127.5), Math.round(1.2297 * 127.5), Math.round(1.3227 * 127.5)]);
    }
  });
});
