// Generation parameters in EXIF UserComment, where A1111 writes and reads them for JPEG and WebP
// (PNG keeps its "parameters" text chunk). The comment is "UNICODE\0" then UTF-16; the TIFF
// block is big-endian so that UTF-16BE (what A1111's piexif reads) is also what the EXIF spec
// means by the file's byte order.
const TIFF_HEADER_BYTES = 8;
const IFD_ENTRY_BYTES = 12;
const TAG_EXIF_IFD_POINTER = 0x8769;
const TAG_USER_COMMENT = 0x9286;
const TYPE_LONG = 4;
const TYPE_UNDEFINED = 7;
const UNICODE_PREFIX = Buffer.from('UNICODE\0', 'latin1');
const EXIF_PREFIX = Buffer.from('Exif\0\0', 'latin1');
const JPEG_SOI = 0xffd8;
const JPEG_APP0 = 0xffe0;
const JPEG_APP1 = 0xffe1;
/** A JPEG segment's length field counts itself and holds at most 0xffff. */
const JPEG_SEGMENT_MAX_BYTES = 0xffff - 2;
const VP8X_CHUNK_BYTES = 10;
const VP8X_EXIF_FLAG = 0x08;
const VP8X_ALPHA_FLAG = 0x10;

function utf16be(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf16le');
  bytes.swap16();
  return bytes;
}

/** A TIFF block with IFD0 → Exif IFD → UserComment = `text`. */
export function exifWithUserComment(text: string): Buffer {
  const comment = Buffer.concat([UNICODE_PREFIX, utf16be(text)]);
  const ifd0At = TIFF_HEADER_BYTES;
  const ifd0Bytes = 2 + IFD_ENTRY_BYTES + 4;
  const exifIfdAt = ifd0At + ifd0Bytes;
  const exifIfdBytes = 2 + IFD_ENTRY_BYTES + 4;
  const commentAt = exifIfdAt + exifIfdBytes;
  const out = Buffer.alloc(commentAt + comment.length);
  out.write('MM', 0, 'latin1');
  out.writeUInt16BE(42, 2);
  out.writeUInt32BE(ifd0At, 4);
  // IFD0: one entry, the pointer to the Exif IFD; no next IFD.
  out.writeUInt16BE(1, ifd0At);
  out.writeUInt16BE(TAG_EXIF_IFD_POINTER, ifd0At + 2);
  out.writeUInt16BE(TYPE_LONG, ifd0At + 4);
  out.writeUInt32BE(1, ifd0At + 6);
  out.writeUInt32BE(exifIfdAt, ifd0At + 10);
  out.writeUInt32BE(0, ifd0At + 14);
  // Exif IFD: UserComment, its bytes after the IFD.
  out.writeUInt16BE(1, exifIfdAt);
  out.writeUInt16BE(TAG_USER_COMMENT, exifIfdAt + 2);
  out.writeUInt16BE(TYPE_UNDEFINED, exifIfdAt + 4);
  out.writeUInt32BE(comment.length, exifIfdAt + 6);
  out.writeUInt32BE(commentAt, exifIfdAt + 10);
  out.writeUInt32BE(0, exifIfdAt + 14);
  comment.copy(out, commentAt);
  return out;
}

/** The JPEG with an APP1 Exif segment after SOI (and after APP0/JFIF when there is one); unchanged when the text cannot fit a segment. */
export function jpegWithUserComment(jpeg: Buffer, text: string): Buffer {
  if (jpeg.readUInt16BE(0) !== JPEG_SOI) throw new TypeError('not a JPEG');
  const payload = Buffer.concat([EXIF_PREFIX, exifWithUserComment(text)]);
  if (payload.length + 2 > JPEG_SEGMENT_MAX_BYTES) return jpeg;
  let insertAt = 2;
  if (jpeg.readUInt16BE(2) === JPEG_APP0) insertAt = 4 + jpeg.readUInt16BE(4);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(JPEG_APP1, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, insertAt), header, payload, jpeg.subarray(insertAt)]);
}

interface RiffChunk {
  readonly fourcc: string;
  readonly data: Buffer;
}

function riffChunks(webp: Buffer): RiffChunk[] {
  if (webp.toString('latin1', 0, 4) !== 'RIFF' || webp.toString('latin1', 8, 12) !== 'WEBP') throw new TypeError('not a WebP');
  const chunks: RiffChunk[] = [];
  let at = 12;
  while (at + 8 <= webp.length) {
    const size = webp.readUInt32LE(at + 4);
    chunks.push({ fourcc: webp.toString('latin1', at, at + 4), data: webp.subarray(at + 8, at + 8 + size) });
    at += 8 + size + (size % 2);
  }
  return chunks;
}

function riffChunk(fourcc: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(fourcc, 0, 'latin1');
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, data.length % 2 === 1 ? Buffer.of(0) : Buffer.alloc(0)]);
}

/** The WebP in the extended format (VP8X) with an EXIF chunk; `width`×`height` is the canvas. */
export function webpWithUserComment(webp: Buffer, text: string, width: number, height: number): Buffer {
  const chunks = riffChunks(webp).filter((chunk) => chunk.fourcc !== 'EXIF');
  const existing = chunks.find((chunk) => chunk.fourcc === 'VP8X');
  const vp8x = Buffer.alloc(VP8X_CHUNK_BYTES);
  const hasAlpha = chunks.some((chunk) => chunk.fourcc === 'ALPH') || chunks.some((chunk) => chunk.fourcc === 'VP8L');
  vp8x[0] = (existing?.data[0] ?? (hasAlpha ? VP8X_ALPHA_FLAG : 0)) | VP8X_EXIF_FLAG;
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const body = Buffer.concat([
    riffChunk('VP8X', vp8x),
    ...chunks.filter((chunk) => chunk.fourcc !== 'VP8X').map((chunk) => riffChunk(chunk.fourcc, chunk.data)),
    riffChunk('EXIF', exifWithUserComment(text)),
  ]);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}
