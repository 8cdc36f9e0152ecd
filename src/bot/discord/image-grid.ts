// A contact sheet of a job's images (2 → 2×1, 3–4 → 2×2), shown above the individual files.
import sharp from 'sharp';

const GRID_GAP_PX = 4;
const GRID_BACKGROUND = { r: 24, g: 24, b: 27, alpha: 1 } as const;

export async function buildImageGrid(pngs: readonly Uint8Array[], width: number, height: number): Promise<Buffer> {
  const columns = Math.ceil(Math.sqrt(pngs.length));
  const rows = Math.ceil(pngs.length / columns);
  const composites = await Promise.all(
    pngs.map(async (png, index) => ({
      // Resize guards against a job whose images differ in size; normally a no-op.
      input: await sharp(png).resize(width, height, { fit: 'cover' }).toBuffer(),
      left: (index % columns) * (width + GRID_GAP_PX),
      top: Math.floor(index / columns) * (height + GRID_GAP_PX),
    })),
  );
  return sharp({
    create: {
      width: columns * width + (columns - 1) * GRID_GAP_PX,
      height: rows * height + (rows - 1) * GRID_GAP_PX,
      channels: 4,
      background: GRID_BACKGROUND,
    },
  })
    .composite(composites)
    .png()
    .toBuffer();
}
