// Messages the fake holds, with their attachments' bytes, so GET/PATCH behave like Discord:
// an edit keeps the attachments its `attachments` list names and appends new files.
import type { AttachmentJson, MessageJson, ReactionJson, UserJson } from './discord-json.js';
import type { RecordedFile } from './request-log.js';
import { nextSnowflake } from './snowflake.js';

export interface MessageBody {
  content?: string;
  embeds?: Record<string, unknown>[];
  components?: Record<string, unknown>[];
  flags?: number;
  attachments?: { id: string | number; filename?: string; description?: string }[];
}

interface StoredFile {
  readonly data: Buffer;
  readonly contentType: string;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_WIDTH_OFFSET = 16;
const PNG_HEIGHT_OFFSET = 20;
const PNG_DIMENSION_BYTES = 4;
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  webp: 'image/webp',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  txt: 'text/plain',
};

function pngSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < PNG_HEIGHT_OFFSET + PNG_DIMENSION_BYTES || !data.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return undefined;
  return { width: data.readUInt32BE(PNG_WIDTH_OFFSET), height: data.readUInt32BE(PNG_HEIGHT_OFFSET) };
}

function contentTypeOf(filename: string, declared: string | undefined): string {
  const extension = filename.split('.').at(-1)?.toLowerCase() ?? '';
  return CONTENT_TYPES[extension] ?? declared ?? 'application/octet-stream';
}

export class MessageStore {
  private readonly messages = new Map<string, MessageJson>();
  private readonly files = new Map<string, StoredFile>();

  constructor(private readonly origin: () => string) {}

  get(messageId: string): MessageJson | undefined {
    return this.messages.get(messageId);
  }

  inChannel(channelId: string): MessageJson[] {
    return [...this.messages.values()].filter((message) => message.channel_id === channelId);
  }

  all(): MessageJson[] {
    return [...this.messages.values()];
  }

  create(
    channelId: string,
    guildId: string | undefined,
    author: UserJson,
    body: MessageBody,
    files: readonly RecordedFile[],
    extras: Partial<MessageJson> = {},
  ): MessageJson {
    const message: MessageJson = {
      id: nextSnowflake(),
      channel_id: channelId,
      ...(guildId !== undefined ? { guild_id: guildId } : {}),
      author,
      content: body.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: this.newAttachments(channelId, body, files),
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      reactions: [],
      flags: body.flags ?? 0,
      type: 0,
      pinned: false,
      ...extras,
    };
    this.messages.set(message.id, message);
    return message;
  }

  edit(messageId: string, body: MessageBody, files: readonly RecordedFile[], clearFlags = 0): MessageJson | undefined {
    const message = this.messages.get(messageId);
    if (!message) return undefined;
    const kept =
      body.attachments === undefined
        ? message.attachments
        : message.attachments.filter((existing) => body.attachments?.some((listed) => String(listed.id) === existing.id));
    const edited: MessageJson = {
      ...message,
      content: body.content ?? message.content,
      embeds: body.embeds ?? message.embeds,
      components: body.components ?? message.components,
      flags: (body.flags ?? message.flags) & ~clearFlags,
      attachments: [...kept, ...this.newAttachments(message.channel_id, body, files)],
      edited_timestamp: new Date().toISOString(),
    };
    this.messages.set(messageId, edited);
    return edited;
  }

  delete(messageId: string): boolean {
    return this.messages.delete(messageId);
  }

  react(messageId: string, emoji: string, byBot: boolean): void {
    const message = this.messages.get(messageId);
    if (!message) return;
    const existing = message.reactions.find((reaction) => reaction.emoji.name === emoji);
    const reaction: ReactionJson = existing ?? { emoji: { id: null, name: emoji }, count: 0, me: false };
    reaction.count += 1;
    if (byBot) reaction.me = true;
    if (!existing) message.reactions.push(reaction);
  }

  /** Stores bytes and returns the attachment object Discord would show for them. */
  host(channelId: string, data: Buffer, filename: string, declaredType?: string): AttachmentJson {
    const id = nextSnowflake();
    const contentType = contentTypeOf(filename, declaredType);
    this.files.set(id, { data, contentType });
    const url = `${this.origin()}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    return { id, filename, size: data.length, url, proxy_url: url, content_type: contentType, ...pngSize(data) };
  }

  file(attachmentId: string): StoredFile | undefined {
    return this.files.get(attachmentId);
  }

  private newAttachments(channelId: string, body: MessageBody, files: readonly RecordedFile[]): AttachmentJson[] {
    return files.map((file) => {
      const index = /^files\[(\d+)\]$/.exec(file.field)?.[1];
      const listed = body.attachments?.find((entry) => String(entry.id) === index);
      const attachment = this.host(channelId, file.data, listed?.filename ?? file.filename, file.contentType);
      return listed?.description !== undefined ? { ...attachment, description: listed.description } : attachment;
    });
  }
}
