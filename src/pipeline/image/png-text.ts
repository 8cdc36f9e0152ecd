// PNG text chunks. sharp cannot write arbitrary tEXt chunks, so we splice one in after IHDR.
// ASCII text goes in tEXt (what A1111 and most readers expect); anything else in an uncompressed
// UTF-8 iTXt chunk. Latin-1 would be valid tEXt, but readers that take tEXt as UTF-8 (libvips,
// so sharp) garble its accents; iTXt reads the same everywhere.

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const CHUNK_OVERHEAD = 12; // length + type + CRC
const IHDR_CHUNK_LENGTH = CHUNK_OVERHEAD + 13;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The highest code unit of 7-bit ASCII. */
const ASCII_MAX = 0x7f;

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) > ASCII_MAX) return false;
  }
  return true;
}

function textChunkBody(keyword: string, text: string): { type: string; body: Buffer } {
  if (isAscii(text)) return { type: 'tEXt', body: Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.of(0), Buffer.from(text, 'latin1')]) };
  // iTXt: keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, UTF-8 text.
  return {
    type: 'iTXt',
    body: Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.of(0, 0, 0, 0, 0), Buffer.from(text, 'utf8')]),
  };
}

/** One PNG chunk: length, type, body, CRC of type and body. */
export function pngChunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(CHUNK_OVERHEAD + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

function assertPng(png: Uint8Array): void {
  if (png.length < PNG_SIGNATURE.length + IHDR_CHUNK_LENGTH || !PNG_SIGNATURE.every((b, i) => png[i] === b)) {
    throw new TypeError('not a PNG');
  }
}

/** Returns a copy of `png` with a text chunk `keyword` = `text` right after IHDR. */
export function addPngText(png: Uint8Array, keyword: string, text: string): Uint8Array {
  assertPng(png);
  const { type, body } = textChunkBody(keyword, text);
  const insertAt = PNG_SIGNATURE.length + IHDR_CHUNK_LENGTH;
  return Buffer.concat([png.subarray(0, insertAt), pngChunk(type, body), png.subarray(insertAt)]);
}

/** All tEXt/iTXt chunks of a PNG, keyword → text. */
export function readPngText(png: Uint8Array): Map<string, string> {
  assertPng(png);
  const buffer = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const texts = new Map<string, string>();
  let offset = PNG_SIGNATURE.length;
  while (offset + CHUNK_OVERHEAD <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'tEXt') {
      const sep = body.indexOf(0);
      texts.set(body.toString('latin1', 0, sep), body.toString('latin1', sep + 1));
    } else if (type === 'iTXt') {
      const sep = body.indexOf(0);
      const compressed = body[sep + 1] !== 0;
      const languageEnd = body.indexOf(0, sep + 3);
      const translatedEnd = body.indexOf(0, languageEnd + 1);
      if (!compressed) texts.set(body.toString('latin1', 0, sep), body.toString('utf8', translatedEnd + 1));
    } else if (type === 'IEND') {
      break;
    }
    offset += CHUNK_OVERHEAD + length;
  }
  return texts;
}
