// Pictures for the editing tests, and what a user sees in a result: a flat start image, a mask
// that repaints one half, and the mean colour of a part of a delivered PNG.
import sharp from 'sharp';
import type { Rgb } from './oracle-pipeline.js';

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];

export interface Box {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export async function flatPng(width: number, height: number, [r, g, b]: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

/** White (repaint) on the left half, black (keep) on the right. */
export async function leftHalfMaskPng(width: number, height: number): Promise<Buffer> {
  const half = Math.floor(width / 2);
  const [r, g, b] = WHITE;
  const white = await sharp({ create: { width: half, height, channels: 3, background: { r, g, b } } }).png().toBuffer();
  const [kr, kg, kb] = BLACK;
  return sharp({ create: { width, height, channels: 3, background: { r: kr, g: kg, b: kb } } })
    .composite([{ input: white, left: 0, top: 0 }])
    .png()
    .toBuffer();
}

/** The mean colour of `box` in a PNG, rounded to whole values. */
export async function meanColour(png: Uint8Array, box: Box): Promise<Rgb> {
  const { data, info } = await sharp(png).extract(box).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) {
    for (let c = 0; c < 3; c += 1) sums[c] = (sums[c] ?? 0) + (data[i + c] ?? 0);
  }
  const pixels = data.length / info.channels;
  return [Math.round((sums[0] ?? 0) / pixels), Math.round((sums[1] ?? 0) / pixels), Math.round((sums[2] ?? 0) / pixels)];
}

/** Largest difference over the three channels. */
export function colourDistance(a: Rgb, b: Rgb): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}
