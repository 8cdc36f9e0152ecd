// Runs an image upscaler tile by tile so memory stays bounded whatever the image size. Tiles
// overlap; each output pixel is the weighted mean of the tiles that cover it, with weights that
// fall to zero near a tile's inner edges, so a network's border effects never show as seams.

export interface TileRunner {
  /** [3, h, w] in 0–1 → [3, h·scale, w·scale]. */
  (tile: Float32Array, width: number, height: number): Promise<Float32Array>;
}

export interface TileLayout {
  /** Tile side in input pixels. */
  readonly tileSize: number;
  /** Input pixels shared by neighbouring tiles. */
  readonly overlap: number;
}

export const DEFAULT_TILE_LAYOUT: TileLayout = { tileSize: 256, overlap: 16 };
const BYTE_MAX = 255;

/** Start offsets along one axis: a regular stride, with the last tile flush with the edge. */
export function tileStarts(size: number, layout: TileLayout): number[] {
  if (size <= layout.tileSize) return [0];
  const stride = layout.tileSize - layout.overlap;
  const starts: number[] = [];
  for (let start = 0; start + layout.tileSize < size; start += stride) starts.push(start);
  starts.push(size - layout.tileSize);
  return starts;
}

/** HWC bytes → HWC bytes, `scale` times larger on each side. */
export async function upscaleTiled(rgb: Uint8Array, width: number, height: number, scale: number, run: TileRunner, layout: TileLayout = DEFAULT_TILE_LAYOUT): Promise<Uint8Array> {
  const [outWidth, outHeight] = [width * scale, height * scale];
  const sum = new Float32Array(outWidth * outHeight * 3);
  const weight = new Float32Array(outWidth * outHeight);
  const xs = tileStarts(width, layout);
  const ys = tileStarts(height, layout);
  for (const top of ys) {
    for (const left of xs) {
      const tileWidth = Math.min(layout.tileSize, width);
      const tileHeight = Math.min(layout.tileSize, height);
      const output = await run(cropChw(rgb, width, left, top, tileWidth, tileHeight), tileWidth, tileHeight);
      const ramp = {
        left: left > 0 ? layout.overlap * scale : 0,
        right: left + tileWidth < width ? layout.overlap * scale : 0,
        top: top > 0 ? layout.overlap * scale : 0,
        bottom: top + tileHeight < height ? layout.overlap * scale : 0,
      };
      accumulate(sum, weight, outWidth, output, { left: left * scale, top: top * scale, width: tileWidth * scale, height: tileHeight * scale }, ramp);
    }
  }
  const out = new Uint8Array(outWidth * outHeight * 3);
  for (let p = 0; p < weight.length; p++) {
    const w = weight[p]!;
    for (let c = 0; c < 3; c++) {
      const v = w > 0 ? (sum[p * 3 + c]! / w) * BYTE_MAX : 0;
      out[p * 3 + c] = v <= 0 ? 0 : v >= BYTE_MAX ? BYTE_MAX : Math.round(v);
    }
  }
  return out;
}

function cropChw(rgb: Uint8Array, width: number, left: number, top: number, tileWidth: number, tileHeight: number): Float32Array {
  const plane = tileWidth * tileHeight;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < tileHeight; y++) {
    for (let x = 0; x < tileWidth; x++) {
      const source = ((top + y) * width + left + x) * 3;
      for (let c = 0; c < 3; c++) out[c * plane + y * tileWidth + x] = rgb[source + c]! / BYTE_MAX;
    }
  }
  return out;
}

interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

interface Ramps {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/**
 * Weight across a ramp of `ramp` pixels at a tile's inner edge: 0 on its outer quarter, where a
 * network's padding shows, rising linearly to 1 over the middle half. The neighbour covering the
 * same pixels is at full weight where this one is 0, so every pixel keeps some weight.
 */
function rampWeight(distance: number, ramp: number): number {
  if (ramp <= 0) return 1;
  return Math.min(Math.max((distance + 0.5 - ramp / 4) / (ramp / 2), 0), 1);
}

function edgeWeight(position: number, size: number, before: number, after: number): number {
  return Math.min(rampWeight(position, before), rampWeight(size - 1 - position, after));
}

function accumulate(sum: Float32Array, weight: Float32Array, outWidth: number, tile: Float32Array, rect: Rect, ramps: Ramps): void {
  const plane = rect.width * rect.height;
  for (let y = 0; y < rect.height; y++) {
    const wy = edgeWeight(y, rect.height, ramps.top, ramps.bottom);
    for (let x = 0; x < rect.width; x++) {
      const w = wy * edgeWeight(x, rect.width, ramps.left, ramps.right);
      const p = (rect.top + y) * outWidth + rect.left + x;
      weight[p]! += w;
      for (let c = 0; c < 3; c++) sum[p * 3 + c]! += w * tile[c * plane + y * rect.width + x]!;
    }
  }
}
