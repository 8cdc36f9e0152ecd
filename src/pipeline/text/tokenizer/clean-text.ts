// CLIP's text cleanup before splitting: Unicode NFC, HTML entities decoded (twice, as CLIP does,
// so `&amp;lt;` becomes `<`; Slack also sends `&`, `<`, `>` escaped), whitespace collapsed.
// Lower-casing is left to the caller so that words can still be reported as the user typed them.
// Not done: ftfy's mojibake repair and the full HTML5 named-entity table.

const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
]);

const ENTITY = /&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([a-zA-Z]+));/g;
const WHITESPACE_RUN = /\s+/g;
const REPLACEMENT_CHARACTER = '\ufffd';
const MAX_CODE_POINT = 0x10ffff;
const SURROGATE_FIRST = 0xd800;
const SURROGATE_LAST = 0xdfff;
const DECIMAL = 10;
const HEXADECIMAL = 16;

function fromCodePoint(codePoint: number): string {
  const invalid =
    codePoint === 0 ||
    codePoint > MAX_CODE_POINT ||
    (codePoint >= SURROGATE_FIRST && codePoint <= SURROGATE_LAST);
  return invalid ? REPLACEMENT_CHARACTER : String.fromCodePoint(codePoint);
}

function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (entity, decimal?: string, hex?: string, name?: string) => {
    if (decimal !== undefined) return fromCodePoint(Number.parseInt(decimal, DECIMAL));
    if (hex !== undefined) return fromCodePoint(Number.parseInt(hex, HEXADECIMAL));
    return NAMED_ENTITIES.get(name ?? '') ?? entity;
  });
}

export function cleanText(text: string): string {
  const unescaped = unescapeHtml(unescapeHtml(text.normalize('NFC')));
  return unescaped.replace(WHITESPACE_RUN, ' ').trim();
}
