// Downloads a user's attachment from the platform's own file hosts and nowhere else: an attachment
// URL comes from the request, so a forged one could point the bot at a local address. Redirects
// are followed only within the allowed origins, and reading stops at the size limit whatever size
// the platform (or the server) declared.

export interface AttachmentFetchOptions {
  /** `https://cdn.discordapp.com` and the like; compared with the URL's origin exactly. */
  readonly allowedOrigins: readonly string[];
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Sent only to the allowed origins, e.g. Slack's `Authorization: Bearer xoxb-…`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
}

export type AttachmentFetchResult =
  | { readonly ok: true; readonly data: Uint8Array }
  | { readonly ok: false; readonly reason: 'not_allowed' | 'too_large' | 'http_error' | 'failed' };

/** Discord serves attachments from these two hosts only. */
export const DISCORD_ATTACHMENT_ORIGINS: readonly string[] = ['https://cdn.discordapp.com', 'https://media.discordapp.net'];
const MAX_REDIRECTS = 3;

export async function fetchAttachment(url: string, options: AttachmentFetchOptions): Promise<AttachmentFetchResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const doFetch = options.fetch ?? fetch;
  let target = allowedUrl(url, options.allowedOrigins);
  try {
    for (let redirects = 0; target !== undefined; redirects++) {
      const response = await doFetch(target, { redirect: 'manual', signal, headers: { ...options.headers } });
      if (isRedirect(response.status)) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (location === null || redirects >= MAX_REDIRECTS) return { ok: false, reason: 'http_error' };
        target = allowedUrl(new URL(location, target).href, options.allowedOrigins);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return { ok: false, reason: 'http_error' };
      }
      return await readAtMost(response, options.maxBytes);
    }
    return { ok: false, reason: 'not_allowed' };
  } catch {
    return { ok: false, reason: 'failed' };
  }
}

function allowedUrl(url: string, allowedOrigins: readonly string[]): URL | undefined {
  try {
    const parsed = new URL(url);
    return allowedOrigins.includes(parsed.origin) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** The body, or `too_large` as soon as it passes `maxBytes` (the rest is never read). */
async function readAtMost(response: Response, maxBytes: number): Promise<AttachmentFetchResult> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes || response.body === null) {
    await response.body?.cancel();
    return response.body === null ? { ok: true, data: new Uint8Array() } : { ok: false, reason: 'too_large' };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return { ok: false, reason: 'too_large' };
    }
    chunks.push(value);
  }
  const data = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, data };
}
