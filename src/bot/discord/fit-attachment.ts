// Makes one image fit an upload limit: the PNG as it is when it fits, otherwise a high-quality
// WebP, then JPEG at falling quality. The PNG's "parameters" text goes along in EXIF
// UserComment, where A1111's PNG Info reads it for WebP and JPEG.
import sharp from 'sharp';
import { jpegWithUserComment, webpWithUserComment } from './exif-user-comment.js';

export interface EncodedImage {
  readonly data: Buffer;
  readonly extension: 'png' | 'webp' | 'jpg';
  readonly contentType: string;
}

const WEBP_QUALITY = 90;
const JPEG_QUALITIES = [90, 80, 65, 50] as const;
const PARAMETERS_KEYWORD = 'parameters';

/** The image within `limitBytes`, or undefined when even the smallest JPEG is too big. */
export async function fitAttachment(png: Uint8Array, limitBytes: number): Promise<EncodedImage | undefined> {
  const original = Buffer.from(png);
  if (original.length <= limitBytes) return { data: original, extension: 'png', contentType: 'image/png' };
  const metadata = await sharp(original).metadata();
  const parameters = metadata.comments?.find((comment) => comment.keyword === PARAMETERS_KEYWORD)?.text;
  const webp = await sharp(original).webp({ quality: WEBP_QUALITY }).toBuffer();
  const webpOut = parameters === undefined ? webp : webpWithUserComment(webp, parameters, metadata.width, metadata.height);
  if (webpOut.length <= limitBytes) return { data: webpOut, extension: 'webp', contentType: 'image/webp' };
  for (const quality of JPEG_QUALITIES) {
    const jpeg = await sharp(original).jpeg({ quality, mozjpeg: true }).toBuffer();
    const jpegOut = parameters === undefined ? jpeg : jpegWithUserComment(jpeg, parameters);
    if (jpegOut.length <= limitBytes) return { data: jpegOut, extension: 'jpg', contentType: 'image/jpeg' };
  }
  return undefined;
}
