// Reads and writes PNG tEXt chunks, so tests can check the `parameters` chunk a user would find in
// the downloaded file.
import { crc32 } from 'node:zlib';

const SIGNATURE_BYTES = 8;
const LENGTH_BYTES = 4;
const TYPE_BYTES = 4;
const CRC_BYTES = 4;

export function readPngTextChunks(png: Uint8Array): Record<string, string> {
  const bytes = Buffer.from(png);
  const chunks: Record<string, string> = {};
  let offset = SIGNATURE_BYTES;
  while (offset + LENGTH_BYTES + TYPE_BYTES <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + LENGTH_BYTES, offset + LENGTH_BYTES + TYPE_BYTES);
    const dataStart = offset + LENGTH_BYTES + TYPE_BYTES;
    if (type === 'tEXt') {
      const data = bytes.subarray(dataStart, dataStart + length);
      const separator = data.indexOf(0);
      chunks[data.toString('latin1', 0, separator)] = data.toString('latin1', separator + 1);
    }
    offset = dataStart + length + CRC_BYTES;
  }
  return chunks;
}

/** Inserts a tEXt chunk right after IHDR. */
export function addPngTextChunk(png: Uint8Array, keyword: string, text: string): Buffer {
  const bytes = Buffer.from(png);
  const ihdrLength = bytes.readUInt32BE(SIGNATURE_BYTES);
  const afterIhdr = SIGNATURE_BYTES + LENGTH_BYTES + TYPE_BYTES + ihdrLength + CRC_BYTES;
  const typeAndData = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(`${keyword}\0${text}`, 'latin1')]);
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(typeAndData.length - TYPE_BYTES);
  const crc = Buffer.alloc(CRC_BYTES);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([bytes.subarray(0, afterIhdr), length, typeAndData, crc, bytes.subarray(afterIhdr)]);
}
