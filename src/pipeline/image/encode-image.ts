// VAE output → 8-bit RGB → PNG with the A1111 parameters chunk.
import sharp from 'sharp';
import { addPngText } from './png-text.js';
import { PARAMETERS_KEYWORD, formatParameters, type ImageParameters } from './a1111-parameters.js';

/** [3, H, W] floats in [-1, 1] → HWC bytes with clip(x/2 + 0.5)·255, rounded. */
export function vaeSampleToRgb(sample: Float32Array, height: number, width: number): Uint8Array {
  const plane = height * width;
  const rgb = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const offset = c * plane;
    for (let i = 0; i < plane; i++) {
      const v = (sample[offset + i]! / 2 + 0.5) * 255;
      rgb[i * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return rgb;
}

export async function encodePng(rgb: Uint8Array, width: number, height: number, parameters: ImageParameters): Promise<Uint8Array> {
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return addPngText(png, PARAMETERS_KEYWORD, formatParameters(parameters));
}
