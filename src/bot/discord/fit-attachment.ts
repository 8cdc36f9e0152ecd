// Makes one image fit an upload limit: the PNG as it is when it fits, otherwise a high-quality
// WebP, then JPEG at falling quality. The fallback loses the PNG's embedded parameters, so the
// caller tells the user.
import sharp from 'sharp';

export interface EncodedImage {
  readonly data: Buffer;
  readonly extension: 'png' | 'webp' | 'jpg';
  readonly contentType: string;
}

const WEBP_QUALITY = 90;
const JPEG_QUALITIES = [90, 80, 65, 50] as const;

/** The image within `limitBytes`, or undefined when even the smallest JPEG is too big. */
export async function fitAttachment(png: Uint8Array, limitBytes: number): Promise<EncodedImage | undefined> {
  const original = Buffer.from(png);
  if (original.length <= limitBytes) return { data: original, extension: 'png', contentType: 'image/png' };
  const webp = await sharp(original).webp({ quality: WEBP_QUALITY }).toBuffer();
  if (webp.length <= limitBytes) return { data: webp, extension: 'webp', contentType: 'image/webp' };
  for (const quality of JPEG_QUALITIES) {
    const jpeg = await sharp(original).jpeg({ quality, mozjpeg: true }).toBuffer();
    if (jpeg.length <= limitBytes) return { data: jpeg, extension: 'jpg', contentType: 'image/jpeg' };
  }
  return undefined;
}
