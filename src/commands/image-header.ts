// Recognises PNG, JPEG and WebP by their magic bytes and reads their pixel size from the header,
// so an unusable upload is refused before it waits in the queue.

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface ImageHeader {
  readonly format: ImageFormat;
  /** Undefined when the header is unusual; the pipeline still decodes and checks the image. */
  readonly width?: number;
  readonly height?: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_WIDTH_OFFSET = 16;
const PNG_HEIGHT_OFFSET = 20;
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
const RIFF = [0x52, 0x49, 0x46, 0x46];
const WEBP = [0x57, 0x45, 0x42, 0x50];
const WEBP_TAG_OFFSET = 8;
const WEBP_CHUNK_OFFSET = 12;
const WEBP_PAYLOAD_OFFSET = 20;

/** The format of `data` and, where the header says, its size; undefined when it is none of ours. */
export function readImageHeader(data: Uint8Array): ImageHeader | undefined {
  if (startsWith(data, PNG_SIGNATURE, 0)) {
    return withSize('png', uint32be(data, PNG_WIDTH_OFFSET), uint32be(data, PNG_HEIGHT_OFFSET));
  }
  if (startsWith(data, JPEG_SIGNATURE, 0)) return jpegHeader(data);
  if (startsWith(data, RIFF, 0) && startsWith(data, WEBP, WEBP_TAG_OFFSET)) return webpHeader(data);
  return undefined;
}

// JPEG: walk the marker segments to the first start-of-frame, which holds height then width.
const JPEG_FIRST_SEGMENT = 2;
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const SOF_HEIGHT_OFFSET = 5;
const SOF_WIDTH_OFFSET = 7;

function jpegHeader(data: Uint8Array): ImageHeader {
  let offset = JPEG_FIRST_SEGMENT;
  while (offset + 4 <= data.length && data[offset] === 0xff) {
    const marker = data[offset + 1] ?? 0;
    if (SOF_MARKERS.has(marker)) {
      return withSize('jpeg', uint16be(data, offset + SOF_WIDTH_OFFSET), uint16be(data, offset + SOF_HEIGHT_OFFSET));
    }
    const length = uint16be(data, offset + 2);
    if (length === undefined || length < 2) break;
    offset += 2 + length;
  }
  return { format: 'jpeg' };
}

function webpHeader(data: Uint8Array): ImageHeader {
  const chunk = String.fromCharCode(...data.subarray(WEBP_CHUNK_OFFSET, WEBP_CHUNK_OFFSET + 4));
  const p = WEBP_PAYLOAD_OFFSET;
  if (chunk === 'VP8 ') {
    // Lossy: 3-byte frame tag, 3-byte start code, then 14-bit width and height.
    const width = uint16le(data, p + 6);
    const height = uint16le(data, p + 8);
    return withSize('webp', width === undefined ? undefined : width & 0x3fff, height === undefined ? undefined : height & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Lossless: signature byte, then 14 bits of width−1 and 14 bits of height−1.
    const bits = uint32le(data, p + 1);
    if (bits === undefined) return { format: 'webp' };
    return withSize('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    // Extended: flags and reserved bytes, then 24-bit canvas width−1 and height−1.
    const width = uint24le(data, p + 4);
    const height = uint24le(data, p + 7);
    return withSize('webp', width === undefined ? undefined : width + 1, height === undefined ? undefined : height + 1);
  }
  return { format: 'webp' };
}

function withSize(format: ImageFormat, width: number | undefined, height: number | undefined): ImageHeader {
  return width !== undefined && height !== undefined && width > 0 && height > 0 ? { format, width, height } : { format };
}

function startsWith(data: Uint8Array, bytes: readonly number[], offset: number): boolean {
  return bytes.every((byte, i) => data[offset + i] === byte);
}

function uint16be(data: Uint8Array, offset: number): number | undefined {
  const [a, b] = [data[offset], data[offset + 1]];
  return a === undefined || b === undefined ? undefined : (a << 8) | b;
}

function uint16le(data: Uint8Array, offset: number): number | undefined {
  const [a, b] = [data[offset], data[offset + 1]];
  return a === undefined || b === undefined ? undefined : a | (b << 8);
}

function uint24le(data: Uint8Array, offset: number): number | undefined {
  const low = uint16le(data, offset);
  const high = data[offset + 2];
  return low === undefined || high === undefined ? undefined : low | (high << 16);
}

function uint32be(data: Uint8Array, offset: number): number | undefined {
  const high = uint16be(data, offset);
  const low = uint16be(data, offset + 2);
  return high === undefined || low === undefined ? undefined : high * 0x1_0000 + low;
}

function uint32le(data: Uint8Array, offset: number): number | undefined {
  const low = uint16le(data, offset);
  const high = uint16le(data, offset + 2);
  return low === undefined || high === undefined ? undefined : low + high * 0x1_0000;
}
