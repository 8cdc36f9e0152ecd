// Several same-size images side by side in one grid (1, 2, 2×2 …), for previews of a batch.

const RGB_CHANNELS = 3;

/** Grid columns for n tiles: 1, 2, 2×2 … */
export function gridColumns(count: number): number {
  return Math.ceil(Math.sqrt(count));
}

/** Tiles same-size HWC images row by row; returns the grid image. */
export function tileImages(images: readonly Uint8Array[], width: number, height: number): { rgb: Uint8Array; width: number; height: number } {
  const columns = gridColumns(images.length);
  const rows = Math.ceil(images.length / columns);
  const gridWidth = columns * width;
  const out = new Uint8Array(gridWidth * rows * height * RGB_CHANNELS);
  images.forEach((image, index) => {
    const x0 = (index % columns) * width;
    const y0 = Math.floor(index / columns) * height;
    for (let y = 0; y < height; y++) {
      const from = y * width * RGB_CHANNELS;
      out.set(image.subarray(from, from + width * RGB_CHANNELS), ((y0 + y) * gridWidth + x0) * RGB_CHANNELS);
    }
  });
  return { rgb: out, width: gridWidth, height: rows * height };
}
