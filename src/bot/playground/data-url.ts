// Pictures the page sends (uploads, painted masks) arrive as base64 data URLs; the commands layer
// takes bytes, and checks them itself.
import type { InvocationAttachment } from '../../commands/invocation.js';
import type { WireAttachment } from './wire-protocol.js';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

export function dataUrlBytes(dataUrl: string): { readonly contentType: string; readonly data: Uint8Array } | undefined {
  const match = DATA_URL.exec(dataUrl);
  if (match === null) return undefined;
  return { contentType: match[1] ?? '', data: new Uint8Array(Buffer.from(match[2] ?? '', 'base64')) };
}

export function invocationAttachment(attachment: WireAttachment): InvocationAttachment {
  const decoded = dataUrlBytes(attachment.dataUrl);
  return {
    filename: attachment.filename,
    option: attachment.option,
    size: decoded?.data.length ?? 0,
    ...(decoded === undefined ? {} : { contentType: decoded.contentType, data: decoded.data }),
  };
}
