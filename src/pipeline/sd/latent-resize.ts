// A1111's "Latent" hires upscaler: bilinear interpolation of the latents themselves
// (torch interpolate, mode bilinear, align_corners false), no VAE round trip.

/** [N, C, h, w] → [N, C, outH, outW]. */
export function resizeLatents(latents: Float32Array, count: number, channels: number, height: number, width: number, outHeight: number, outWidth: number): Float32Array {
  const out = new Float32Array(count * channels * outHeight * outWidth);
  const [scaleY, scaleX] = [height / outHeight, width / outWidth];
  const source = (o: number, scale: number, size: number): [number, number, number] => {
    const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), size - 1);
    const lo = Math.floor(x);
    return [lo, Math.min(lo + 1, size - 1), x - lo];
  };
  const xs = Array.from({ length: outWidth }, (_, x) => source(x, scaleX, width));
  for (let plane = 0; plane < count * channels; plane++) {
    const inBase = plane * height * width;
    const outBase = plane * outHeight * outWidth;
    for (let y = 0; y < outHeight; y++) {
      const [y0, y1, fy] = source(y, scaleY, height);
      for (let x = 0; x < outWidth; x++) {
        const [x0, x1, fx] = xs[x]!;
        const top = latents[inBase + y0 * width + x0]! * (1 - fx) + latents[inBase + y0 * width + x1]! * fx;
        const bottom = latents[inBase + y1 * width + x0]! * (1 - fx) + latents[inBase + y1 * width + x1]! * fx;
        out[outBase + y * outWidth + x] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}
