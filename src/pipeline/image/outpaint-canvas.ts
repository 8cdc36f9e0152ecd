// Outpainting's starting point: the init image placed on the larger canvas of the request's size,
// the new area filled by extending the image's edges, and a mask that repaints only the new area.
// Zoom Out shrinks the image by the factor and centres it; Pan keeps its size along the other
// axis and shifts it away from the direction, so the canvas grows by half a side that way.
import sharp from 'sharp';
import { PipelineError } from '../errors.js';
import type { Outpaint } from '../types.js';
import { maskFromBytes, type PixelMask } from './mask.js';

export interface OutpaintCanvas {
  /** HWC bytes at width × height. */
  readonly rgb: Uint8Array;
  /** 1 on the new area, 0 where the old image is; blurred across the seam. */
  readonly mask: PixelMask;
  /** The mask of the final overlay: `mask` with the whole old image at 0, so its pixels come back unchanged. */
  readonly overlayMask: PixelMask;
  /** Where the old image sits on the canvas. */
  readonly placed: Placement;
}

export interface Placement {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** A Pan adds half a side: the old image spans 2/3 of the canvas along the pan axis. */
const PAN_EXTENSION = 0.5;
/** Placements snap to the VAE's 8-pixel grid, so the kept area is whole latent pixels. */
const GRID = 8;

export function placementOf(outpaint: Outpaint, width: number, height: number): Placement {
  const snap = (value: number): number => Math.max(GRID, Math.round(value / GRID) * GRID);
  if (outpaint.kind === 'zoom') {
    const [w, h] = [snap(width / outpaint.factor), snap(height / outpaint.factor)];
    return { left: Math.round((width - w) / 2 / GRID) * GRID, top: Math.round((height - h) / 2 / GRID) * GRID, width: w, height: h };
  }
  const horizontal = outpaint.direction === 'left' || outpaint.direction === 'right';
  const along = snap((horizontal ? width : height) / (1 + PAN_EXTENSION));
  const w = horizontal ? along : width;
  const h = horizontal ? height : along;
  switch (outpaint.direction) {
    case 'left':
      return { left: width - w, top: 0, width: w, height: h };
    case 'right':
      return { left: 0, top: 0, width: w, height: h };
    case 'up':
      return { left: 0, top: height - h, width: w, height: h };
    case 'down':
      return { left: 0, top: 0, width: w, height: h };
  }
}

export async function buildOutpaintCanvas(init: Uint8Array, outpaint: Outpaint, width: number, height: number, blur: number, maxPixels: number): Promise<OutpaintCanvas> {
  const placed = placementOf(outpaint, width, height);
  let rgb: Buffer;
  try {
    rgb = await sharp(init, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize(placed.width, placed.height, { fit: 'cover', position: 'centre' })
      .removeAlpha()
      .toColourspace('srgb')
      .extend({
        left: placed.left,
        top: placed.top,
        right: width - placed.left - placed.width,
        bottom: height - placed.top - placed.height,
        extendWith: 'copy',
      })
      .raw()
      .toBuffer();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PipelineError('invalid_init_image', `the image to extend cannot be read (${reason.split('\n')[0]}); send a PNG, JPEG or WebP file`);
  }
  const mask = await maskFromBytes(newAreaMask(placed, width, height), width, height, blur);
  // Zoom Out and Pan promise the old picture untouched: the blur may feather only into the new area.
  const overlayMask = blur > 0 ? { ...mask, data: clearPlacement(mask.data.slice(), placed, width) } : mask;
  return { rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), mask, overlayMask, placed };
}

function newAreaMask(placed: Placement, width: number, height: number): Uint8Array {
  return clearPlacement(new Uint8Array(width * height).fill(255), placed, width);
}

/** Zeroes the rectangle where the old image sits. */
function clearPlacement<T extends Uint8Array | Float32Array>(data: T, placed: Placement, width: number): T {
  for (let y = placed.top; y < placed.top + placed.height; y++) data.fill(0, y * width + placed.left, y * width + placed.left + placed.width);
  return data;
}
