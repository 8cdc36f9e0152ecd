// GPT-2's reversible byte → printable-character map, which CLIP's vocab is written in. Printable
// Latin-1 bytes stand for themselves; the rest are shifted past U+00FF so no vocab entry holds
// whitespace or control characters.

const BYTE_COUNT = 256;
/** First code point used for bytes that are not printable on their own. */
const SHIFTED_BASE = 256;

function isPrintableByte(byte: number): boolean {
  return (
    (byte >= 0x21 && byte <= 0x7e) || // '!'..'~'
    (byte >= 0xa1 && byte <= 0xac) || // '¡'..'¬'
    (byte >= 0xae && byte <= 0xff) // '®'..'ÿ'
  );
}

function buildByteTable(): readonly string[] {
  const table: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < BYTE_COUNT; byte++) {
    const codePoint = isPrintableByte(byte) ? byte : SHIFTED_BASE + shifted++;
    table.push(String.fromCodePoint(codePoint));
  }
  return table;
}

const BYTE_TO_CHAR = buildByteTable();
const utf8 = new TextEncoder();

/** The characters BPE works on: one per UTF-8 byte of `text`. */
export function byteLevelSymbols(text: string): string[] {
  const bytes = utf8.encode(text);
  const symbols = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    // bytes[i] is always 0..255, so the table always has an entry.
    symbols[i] = BYTE_TO_CHAR[bytes[i] ?? 0] ?? '';
  }
  return symbols;
}
