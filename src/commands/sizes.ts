// Width × height arithmetic: aspect ratios inside a pixel budget, snapping to SIZE_STEP, fitting limits.
import type { Outpaint } from '../pipeline/types.js';
import { SIZE_STEP } from './limits.js';

/** Pan extends the canvas by this share of the side it moves along. */
export const PAN_EXTENSION = 0.5;

/** How much an unused share of the pixel budget costs, relative to the same error in shape. */
const AREA_WEIGHT = 0.35;
const COST_TOLERANCE = 1e-9;

export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * The size with shape `ratio` (W/H), both sides multiples of SIZE_STEP, that best fills
 * `budgetPixels` without exceeding it. Shape error and unused budget both count, shape about three
 * times as much: 16:9 in 1024² gives 1344×768 and 3:2 gives 1216×832, SDXL's own buckets; 2:1 in 512² gives
 * an exact 640×320 rather than a fuller but wider 704×320.
 */
export function sizeForAspect(ratio: number, budgetPixels: number): Size {
  let best: Size = { width: SIZE_STEP, height: SIZE_STEP };
  let bestCost = Number.POSITIVE_INFINITY;
  for (let height = SIZE_STEP; height * SIZE_STEP <= budgetPixels; height += SIZE_STEP) {
    for (const width of neighbours(height * ratio)) {
      const area = width * height;
      if (area > budgetPixels) continue;
      const cost = Math.abs(Math.log(width / height / ratio)) + AREA_WEIGHT * Math.abs(Math.log(area / budgetPixels));
      if (cost < bestCost - COST_TOLERANCE || (cost <= bestCost + COST_TOLERANCE && area > best.width * best.height)) {
        best = { width, height };
        bestCost = cost;
      }
    }
  }
  return best;
}

/** Rounds each side to the nearest multiple of SIZE_STEP (at least one step). */
export function snapSize(size: Size): Size {
  return { width: snap(size.width), height: snap(size.height) };
}

/** Scales `size` down, keeping its shape, until it fits `maxPixels`; sides stay multiples of SIZE_STEP. */
export function fitSize(size: Size, maxPixels: number): Size {
  if (size.width * size.height <= maxPixels) return size;
  return sizeForAspect(size.width / size.height, maxPixels);
}

/**
 * The canvas of a Zoom Out or Pan of an image of `size`: every side times the zoom factor, or the
 * side along the pan grown by half; snapped to SIZE_STEP and fitted into `maxPixels`.
 */
export function outpaintCanvas(size: Size, outpaint: Outpaint, maxPixels: number): Size {
  const grown = outpaint.kind === 'zoom'
    ? { width: size.width * outpaint.factor, height: size.height * outpaint.factor }
    : outpaint.direction === 'left' || outpaint.direction === 'right'
      ? { width: size.width * (1 + PAN_EXTENSION), height: size.height }
      : { width: size.width, height: size.height * (1 + PAN_EXTENSION) };
  return fitSize(snapSize(grown), maxPixels);
}

export function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

function snap(side: number): number {
  return Math.max(SIZE_STEP, Math.round(side / SIZE_STEP) * SIZE_STEP);
}

/** The multiples of SIZE_STEP just below and above `ideal`, never below one step. */
function neighbours(ideal: number): number[] {
  const below = Math.max(SIZE_STEP, Math.floor(ideal / SIZE_STEP) * SIZE_STEP);
  const above = Math.max(SIZE_STEP, Math.ceil(ideal / SIZE_STEP) * SIZE_STEP);
  return below === above ? [below] : [below, above];
}
