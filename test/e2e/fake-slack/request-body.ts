// Turns a request body, in any encoding the Slack SDKs use, into flat string args plus file bytes.

export interface ParsedBody {
  readonly args: Record<string, string>;
  /** The first file part of a multipart body, or a raw (non-form) body. */
  readonly file?: Uint8Array;
}

const stringify = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export async function parseRequestBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') {
    const parsed = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
    return { args: Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, stringify(v)])) };
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { args: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) };
  }
  if (type === 'multipart/form-data') {
    // The platform's Request already parses multipart correctly; no need for a hand-written parser.
    const form = await new Request('http://fake.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType ?? '' },
      body: raw,
    }).formData();
    const args: Record<string, string> = {};
    let file: Uint8Array | undefined;
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') args[key] = value;
      else file ??= new Uint8Array(await value.arrayBuffer());
    }
    return file === undefined ? { args } : { args, file };
  }
  return raw.length === 0 ? { args: {} } : { args: {}, file: new Uint8Array(raw) };
}
