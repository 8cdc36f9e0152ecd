// The state behind the fake Web API: channels, the bot's membership, messages, files and reactions.
// Access rules follow Slack: a private channel or DM the bot is not in does not exist for it
// (`channel_not_found`); a public one it has not joined refuses posts with `not_in_channel`.

export type ChannelKind = 'public' | 'private' | 'im';

export interface FakeChannel {
  readonly id: string;
  readonly name: string;
  readonly kind: ChannelKind;
  botIsMember: boolean;
}

export interface FakeReaction {
  readonly name: string;
  readonly users: string[];
}

export interface FakeMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  readonly user: string;
  readonly botId?: string;
  text: string;
  /** Block Kit blocks as posted (parsed from the JSON Slack receives). */
  blocks: unknown[];
  readonly fileIds: readonly string[];
  readonly reactions: FakeReaction[];
  edits: number;
  deleted: boolean;
}

export interface FakeFile {
  readonly id: string;
  readonly filename: string;
  readonly declaredLength: number;
  readonly altText?: string;
  title: string;
  bytes?: Uint8Array;
  completed: boolean;
  /** The messages that share it; `threadTs` when a message is a reply in a thread. */
  readonly shares: { readonly channel: string; readonly ts: string; readonly threadTs?: string }[];
  /** When it was uploaded, in Unix seconds (files.list's `ts_from` filters on it). */
  readonly created: number;
  /** A person's upload (absent for the bot's own files), with the type Slack detected. */
  readonly user?: string;
  readonly mimetype?: string;
  /** Given to the app through a modal's file input, so the bot may read it unshared. */
  sharedWithApp?: boolean;
}

export interface FakeEphemeral {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  readonly blocks: unknown[];
}

/** A person in the workspace, as users.info describes them. */
export interface FakeUser {
  readonly id: string;
  readonly name: string;
  /** Another workspace's member, as in a Slack Connect channel; the fake's own team when absent. */
  readonly teamId?: string;
  readonly isAdmin?: boolean;
  readonly isOwner?: boolean;
  readonly isPrimaryOwner?: boolean;
  /** A guest: single-channel (ultra) or multi-channel. */
  readonly guest?: 'single' | 'multi';
  readonly deleted?: boolean;
}

export type AccessError = 'channel_not_found' | 'not_in_channel';

/** A modal the app opened with views.open. */
export interface FakeView {
  readonly id: string;
  readonly triggerId: string;
  readonly view: Readonly<Record<string, unknown>>;
  submitted: boolean;
}

const TS_COUNTER_DIGITS = 6;
const MS_PER_SECOND = 1000;

export class FakeWorkspace {
  readonly channels = new Map<string, FakeChannel>();
  readonly users = new Map<string, FakeUser>();
  readonly messages: FakeMessage[] = [];
  readonly files = new Map<string, FakeFile>();
  readonly ephemerals: FakeEphemeral[] = [];
  readonly views: FakeView[] = [];
  /** Trigger ids handed out with interactions, by when; each opens one view within 3 s. */
  readonly triggers = new Map<string, number>();
  #tsCounter = 0;
  #fileCounter = 0;

  constructor(
    readonly botUserId: string,
    readonly botId: string,
  ) {}

  addChannel(channel: FakeChannel): FakeChannel {
    this.channels.set(channel.id, channel);
    return channel;
  }

  addUser(user: FakeUser): FakeUser {
    this.users.set(user.id, user);
    return user;
  }

  /** Unique, increasing message timestamps in Slack's `seconds.counter` shape. */
  nextTs(): string {
    this.#tsCounter += 1;
    const seconds = Math.floor(Date.now() / MS_PER_SECOND);
    return `${seconds}.${String(this.#tsCounter).padStart(TS_COUNTER_DIGITS, '0')}`;
  }

  nextFileId(): string {
    this.#fileCounter += 1;
    return `F${String(this.#fileCounter).padStart(TS_COUNTER_DIGITS, '0')}`;
  }

  /** Whether the bot may see the channel (conversations.info) — undefined when it may. */
  visibilityError(channelId: string): AccessError | undefined {
    const channel = this.channels.get(channelId);
    if (channel === undefined) return 'channel_not_found';
    if (channel.kind !== 'public' && !channel.botIsMember) return 'channel_not_found';
    return undefined;
  }

  /** Whether the bot may post in the channel — undefined when it may. */
  postingError(channelId: string): AccessError | undefined {
    const hidden = this.visibilityError(channelId);
    if (hidden !== undefined) return hidden;
    return this.channels.get(channelId)?.botIsMember === true ? undefined : 'not_in_channel';
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  /** Live messages of a channel, oldest first; `threadTs` narrows to one thread's replies. */
  messagesIn(channel: string, threadTs?: string): FakeMessage[] {
    return this.messages.filter(
      (m) => m.channel === channel && !m.deleted && (threadTs === undefined || m.threadTs === threadTs),
    );
  }

  postBotMessage(input: { channel: string; text: string; blocks: unknown[]; threadTs?: string; fileIds?: readonly string[] }): FakeMessage {
    const message: FakeMessage = {
      channel: input.channel,
      ts: this.nextTs(),
      ...(input.threadTs === undefined ? {} : { threadTs: input.threadTs }),
      user: this.botUserId,
      botId: this.botId,
      text: input.text,
      blocks: input.blocks,
      fileIds: input.fileIds ?? [],
      reactions: [],
      edits: 0,
      deleted: false,
    };
    this.messages.push(message);
    return message;
  }

  /** A message a person wrote, for reactions and tests that need something the bot did not post; `fileIds` are shared with it. */
  postUserMessage(channel: string, user: string, text: string, fileIds: readonly string[] = []): FakeMessage {
    const message: FakeMessage = {
      channel,
      ts: this.nextTs(),
      user,
      text,
      blocks: [],
      fileIds,
      reactions: [],
      edits: 0,
      deleted: false,
    };
    this.messages.push(message);
    for (const id of fileIds) this.files.get(id)?.shares.push({ channel, ts: message.ts });
    return message;
  }

  /** A file a person uploaded (not shared anywhere yet), as Slack stores it: its bytes and detected type. */
  addUserFile(input: { readonly user: string; readonly filename: string; readonly mimetype: string; readonly bytes: Uint8Array }): FakeFile {
    const id = this.nextFileId();
    const file: FakeFile = {
      id,
      filename: input.filename,
      declaredLength: input.bytes.byteLength,
      title: input.filename,
      bytes: input.bytes,
      completed: true,
      shares: [],
      created: Math.floor(Date.now() / MS_PER_SECOND),
      user: input.user,
      mimetype: input.mimetype,
    };
    this.files.set(id, file);
    return file;
  }

  /** Whether files.info and the file host serve this file to the bot. */
  botCanRead(file: FakeFile): boolean {
    if (file.user === undefined || file.sharedWithApp === true) return true;
    return file.shares.some((share) => this.visibilityError(share.channel) === undefined);
  }

  /** Bytes of a file uploaded and shared, by id. */
  fileBytes(fileId: string): Uint8Array | undefined {
    return this.files.get(fileId)?.bytes;
  }
}
