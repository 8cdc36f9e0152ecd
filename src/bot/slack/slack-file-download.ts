// A user's Slack file → the attachment the commands layer checks. Slack serves files only to a
// request carrying the bot token, and a file's URL comes from a payload, so the token goes to
// Slack's file host (and a configured API base, for proxies and tests) and nowhere else: a URL on
// any other host is not fetched at all, and the commands layer tells the user it could not be read.
import type { webApi } from '@slack/bolt';
import type { InvocationAttachment } from '../../commands/invocation.js';
import { fetchAttachment } from '../core/attachment-fetch.js';
import type { SlackLogger } from './slack-logger.js';

/** Where Slack serves `url_private_download`. */
export const SLACK_FILE_ORIGINS: readonly string[] = ['https://files.slack.com'];
const IMAGE_MIMETYPE = /^image\//i;

/** The fields of a Slack file object this bot reads. */
export interface SlackFileRef {
  readonly id: string;
  readonly name?: string;
  readonly mimetype?: string;
  readonly size?: number;
  readonly url_private_download?: string;
}

export interface SlackFileDownloadOptions {
  readonly botToken: string;
  /** SLACK_API_URL, whose origin may serve files as well (a proxy, or the fake Slack in tests). */
  readonly apiUrl?: string;
  /** The init-image limit: larger files are not downloaded, and the commands layer refuses them by size. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export function slackFileOrigins(apiUrl: string | undefined): readonly string[] {
  return apiUrl === undefined ? SLACK_FILE_ORIGINS : [...SLACK_FILE_ORIGINS, new URL(apiUrl).origin];
}

export class SlackFileDownload {
  readonly #origins: readonly string[];

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: SlackLogger,
    private readonly options: SlackFileDownloadOptions,
  ) {
    this.#origins = slackFileOrigins(options.apiUrl);
  }

  /**
   * The file as an attachment for `option` (`image`, `mask`, or none: then its name says which).
   * A file known only by id is looked up with files.info first. Without `data` when it was too
   * large, not an image, or could not be fetched: the commands layer names the file and says why.
   */
  async attachment(ref: SlackFileRef, option?: string): Promise<InvocationAttachment> {
    const file = ref.url_private_download === undefined ? await this.#info(ref) : ref;
    const described: InvocationAttachment = {
      filename: file.name ?? file.id,
      size: file.size ?? 0,
      ...(option === undefined ? {} : { option }),
      ...(file.mimetype === undefined || file.mimetype === '' ? {} : { contentType: file.mimetype }),
    };
    const url = file.url_private_download;
    const worthFetching = described.size <= this.options.maxBytes && (described.contentType === undefined || IMAGE_MIMETYPE.test(described.contentType));
    if (url === undefined || !worthFetching) return described;
    const fetched = await fetchAttachment(url, {
      allowedOrigins: this.#origins,
      maxBytes: this.options.maxBytes,
      timeoutMs: this.options.timeoutMs,
      headers: { authorization: `Bearer ${this.options.botToken}` },
      ...(this.options.fetch === undefined ? {} : { fetch: this.options.fetch }),
    });
    if (fetched.ok) return { ...described, data: fetched.data };
    this.logger.warn({ fileId: file.id, reason: fetched.reason, host: hostOf(url) }, 'slack: a file could not be downloaded');
    return described;
  }

  async #info(ref: SlackFileRef): Promise<SlackFileRef> {
    try {
      const { file } = await this.client.files.info({ file: ref.id });
      if (file === undefined) return ref;
      return {
        id: ref.id,
        ...(file.name === undefined ? {} : { name: file.name }),
        ...(file.mimetype === undefined ? {} : { mimetype: file.mimetype }),
        ...(file.size === undefined ? {} : { size: file.size }),
        ...(file.url_private_download === undefined ? {} : { url_private_download: file.url_private_download }),
      };
    } catch (error) {
      this.logger.warn({ err: error, fileId: ref.id }, 'slack: files.info failed');
      return ref;
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}
