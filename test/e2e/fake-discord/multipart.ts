// A small multipart/form-data parser: discord.js sends `payload_json` plus `files[n]` parts.
export interface MultipartPart {
  readonly name: string;
  readonly filename?: string;
  readonly contentType?: string;
  readonly data: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF_LENGTH = 2;

export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const contentStart = start + delimiter.length;
    // `--boundary--` closes the body.
    if (body.subarray(contentStart, contentStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, contentStart);
    if (next === -1) break;
    const raw = body.subarray(contentStart + CRLF_LENGTH, next - CRLF_LENGTH);
    const headerEnd = raw.indexOf(HEADER_END);
    if (headerEnd !== -1) parts.push(partOf(raw.subarray(0, headerEnd).toString('utf8'), raw.subarray(headerEnd + HEADER_END.length)));
    start = next;
  }
  return parts;
}

function partOf(headerText: string, data: Buffer): MultipartPart {
  const headers = new Map<string, string>();
  for (const line of headerText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  const name = /\bname="([^"]*)"/.exec(disposition)?.[1] ?? '';
  const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
  const contentType = headers.get('content-type');
  return {
    name,
    data: Buffer.from(data),
    ...(filename !== undefined ? { filename } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
  };
}
