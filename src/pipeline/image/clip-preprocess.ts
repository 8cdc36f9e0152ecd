// CLIP's image preprocessing (transformers' CLIPImageProcessor, as the SD safety checker was fed):
// resize the shortest side to 224 with bicubic filtering, centre-crop 224×224, scale to [0, 1] and
// normalise each channel with CLIP's mean and std. Output is CHW float32.
import sharp from 'sharp';

export const CLIP_IMAGE_SIZE = 224;
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
const RGB_CHANNELS = 3;
const PIXEL_MAX = 255;

/** `rgb` is HWC bytes; returns [3, 224, 224]. */
export async function clipPixelValues(rgb: Uint8Array, width: number, height: number): Promise<Float32Array> {
  const resized = await sharp(rgb, { raw: { width, height, channels: RGB_CHANNELS } })
    .resize(CLIP_IMAGE_SIZE, CLIP_IMAGE_SIZE, { fit: 'cover', position: 'centre', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const plane = CLIP_IMAGE_SIZE * CLIP_IMAGE_SIZE;
  const out = new Float32Array(RGB_CHANNELS * plane);
  for (let c = 0; c < RGB_CHANNELS; c++) {
    const mean = CLIP_MEAN[c]!;
    const std = CLIP_STD[c]!;
    for (let i = 0; i < plane; i++) out[c * plane + i] = (resized[i * RGB_CHANNELS + c]! / PIXEL_MAX - mean) / std;
  }
  return out;
}
