// A minimal synchronous PNG encoder for previews. A 64×64 preview is ~12 KB of pixels: deflating
// it inline takes a fraction of a millisecond, where a round trip through sharp's thread pool
// costs more and competes with onnxruntime's threads for the CPU during denoising.
import { deflateSync } from 'node:zlib';
import { PNG_SIGNATURE, pngChunk } from './png-text.js';

const COLOUR_TYPE_RGB = 2;
const BIT_DEPTH = 8;
const FILTER_NONE = 0;
/** Fast deflate: previews are thrown away after a few seconds. */
const PREVIEW_DEFLATE_LEVEL = 1;

/** Encodes HWC RGB bytes as an 8-bit RGB PNG. */
export function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = BIT_DEPTH;
  header[9] = COLOUR_TYPE_RGB;
  // bytes 10–12: compression 0, filter method 0, no interlace
  const stride = width * 3;
  const scanlines = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    scanlines[y * (stride + 1)] = FILTER_NONE;
    scanlines.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanlines, { level: PREVIEW_DEFLATE_LEVEL })),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** Nearest-neighbour shrink so the long side is at most `maxSide`; returns the input when it already fits. */
export function shrinkRgb(rgb: Uint8Array, width: number, height: number, maxSide: number): { rgb: Uint8Array; width: number; height: number } {
  const longSide = Math.max(width, height);
  if (longSide <= maxSide) return { rgb, width, height };
  const outWidth = Math.max(1, Math.round((width * maxSide) / longSide));
  const outHeight = Math.max(1, Math.round((height * maxSide) / longSide));
  const out = new Uint8Array(outWidth * outHeight * 3);
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.floor((y * height) / outHeight);
    for (let x = 0; x < outWidth; x++) {
      const sx = Math.floor((x * width) / outWidth);
      const s = (sy * width + sx) * 3;
      const o = (y * outWidth + x) * 3;
      out[o] = rgb[s]!;
      out[o + 1] = rgb[s + 1]!;
      out[o + 2] = rgb[s + 2]!;
    }
  }
  return { rgb: out, width: outWidth, height: outHeight };
}
