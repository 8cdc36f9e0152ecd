// The bot token goes only to Slack's file host (and a configured API base); what is too large or not
// an image is never fetched, so the commands layer refuses it by its declared size and type.
import type { webApi } from '@slack/bolt';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SlackFileDownload } from '../../../../src/bot/slack/slack-file-download.js';

const TOKEN = 'xoxb-test-token';
const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_BYTES = 1024;

interface Seen {
  readonly url: string;
  readonly authorization: string | null;
}

function downloader(options: { apiUrl?: string; info?: Record<string, unknown> } = {}): { download: SlackFileDownload; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetchStub: typeof fetch = async (input, init) => {
    seen.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
    return new Response(PNG_BYTES, { status: 200, headers: { 'content-type': 'image/png' } });
  };
  const client = { files: { info: async () => ({ ok: true, file: options.info }) } } as unknown as webApi.WebClient;
  const download = new SlackFileDownload(client, pino({ level: 'silent' }), {
    botToken: TOKEN,
    ...(options.apiUrl === undefined ? {} : { apiUrl: options.apiUrl }),
    maxBytes: MAX_BYTES,
    timeoutMs: 5000,
    fetch: fetchStub,
  });
  return { download, seen };
}

const file = (url: string, extra: Record<string, unknown> = {}) => ({
  id: 'F1',
  name: 'barn.png',
  mimetype: 'image/png',
  size: PNG_BYTES.length,
  url_private_download: url,
  ...extra,
});

describe('SlackFileDownload', () => {
  it('reads a file from files.slack.com with the bot token', async () => {
    const { download, seen } = downloader();
    const attachment = await download.attachment(file('https://files.slack.com/files-pri/T1-F1/download/barn.png'), 'image');
    expect(attachment).toMatchObject({ filename: 'barn.png', option: 'image', contentType: 'image/png', data: PNG_BYTES });
    expect(seen).toEqual([{ url: 'https://files.slack.com/files-pri/T1-F1/download/barn.png', authorization: `Bearer ${TOKEN}` }]);
  });

  it.each([
    'https://evil.example/barn.png',
    'http://files.slack.com/files-pri/T1-F1/download/barn.png',
    'https://files.slack.com.evil.example/barn.png',
    'http://127.0.0.1:9/barn.png',
  ])('never sends a request (let alone the token) to %s', async (url) => {
    const { download, seen } = downloader();
    const attachment = await download.attachment(file(url));
    expect(attachment.data).toBeUndefined();
    expect(attachment.filename).toBe('barn.png');
    expect(seen).toEqual([]);
  });

  it("also reads from the configured API base's origin (a proxy, or the fake Slack in tests)", async () => {
    const { download, seen } = downloader({ apiUrl: 'http://127.0.0.1:8080/api/' });
    const attachment = await download.attachment(file('http://127.0.0.1:8080/files-pri/T1-F1/download/barn.png'));
    expect(attachment.data).toEqual(PNG_BYTES);
    expect(seen[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('does not fetch a file larger than the limit or one that is not an image', async () => {
    const { download, seen } = downloader();
    const large = await download.attachment(file('https://files.slack.com/a.png', { size: MAX_BYTES + 1 }));
    const pdf = await download.attachment(file('https://files.slack.com/a.pdf', { name: 'a.pdf', mimetype: 'application/pdf' }));
    expect([large.size, large.data]).toEqual([MAX_BYTES + 1, undefined]);
    expect([pdf.contentType, pdf.data]).toEqual(['application/pdf', undefined]);
    expect(seen).toEqual([]);
  });

  it('looks a file known only by id up with files.info', async () => {
    const { download, seen } = downloader({ info: file('https://files.slack.com/files-pri/T1-F1/download/mask.png', { name: 'mask.png' }) });
    const attachment = await download.attachment({ id: 'F1' });
    expect(attachment).toMatchObject({ filename: 'mask.png', data: PNG_BYTES });
    expect(attachment.option).toBeUndefined();
    expect(seen).toHaveLength(1);
  });
});
