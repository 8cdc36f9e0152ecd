// The last step of inpainting and outpainting, as A1111's apply_overlay: the decoded image is laid
// over the original through the full-resolution mask, out = m·decoded + (1 − m)·original. The
// sampling pass keeps the unmasked area exact only in latent space; the VAE round trip would still
// shift those pixels, so here they become the user's own pixels again, byte for byte.
import type { PixelMask } from './mask.js';

const RGB_CHANNELS = 3;

/**
 * Writes the composite into `decoded` (HWC bytes) in place: where the mask is 0 the original's
 * bytes, where it is 1 the decoded bytes, in between a blend rounded to the nearest byte.
 * @param original HWC bytes of the init image (or the outpainting canvas) at the same size
 */
export function applyOverlay(decoded: Uint8Array, original: Uint8Array, mask: PixelMask): void {
  const plane = mask.width * mask.height;
  if (decoded.length !== plane * RGB_CHANNELS || original.length !== plane * RGB_CHANNELS) {
    throw new RangeError(`overlay needs images of ${mask.width}x${mask.height}: got ${decoded.length} and ${original.length} bytes for a ${plane}-pixel mask`);
  }
  const weights = mask.data;
  for (let i = 0; i < plane; i++) {
    const m = weights[i]!;
    if (m >= 1) continue;
    const at = i * RGB_CHANNELS;
    if (m <= 0) {
      decoded[at] = original[at]!;
      decoded[at + 1] = original[at + 1]!;
      decoded[at + 2] = original[at + 2]!;
      continue;
    }
    for (let k = at; k < at + RGB_CHANNELS; k++) {
      const kept = original[k]!;
      decoded[k] = Math.round(kept + m * (decoded[k]! - kept));
    }
  }
}
