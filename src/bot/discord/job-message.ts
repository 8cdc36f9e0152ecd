// The one Discord message that shows a job, wherever it lives. It starts as the interaction's
// deferred reply, edited through the interaction token. That token dies 15 minutes after the
// command, so shortly before then the job moves to a message the bot posts in the channel itself
// (channel.send, then message.edit with the bot token), and the old reply points to it.
// Jobs without an interaction (🔄 reactions) use a channel message from the start; a job resumed
// after a restart adopts the channel message that showed it and edits it by id.
import {
  MessageFlags,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type Message,
  type RepliableInteraction,
  type SendableChannels,
} from 'discord.js';
import type { MessageRef } from '../../commands/job-record.js';

export interface JobMessageFile {
  readonly name: string;
  readonly data: Buffer;
}

export interface JobMessageContent {
  readonly content: string;
  /** Replaces every attachment; undefined keeps what the message shows (the last preview). */
  readonly files?: readonly JobMessageFile[];
  readonly components?: readonly APIActionRowComponent<APIComponentInMessageActionRow>[];
}

export interface JobMessageOptions {
  /** The deferred interaction, when the job came from one. */
  readonly interaction?: RepliableInteraction;
  /** When the interaction was created (its token's clock starts there). */
  readonly interactionCreatedAt?: number;
  readonly channel: () => Promise<SendableChannels>;
  /** The message that already shows the job (one kept across a restart): edited, never posted again. */
  readonly adopted?: MessageRef;
  /** Reply to this message when posting in the channel (a re-rolled result). */
  readonly replyToMessageId?: string;
  readonly tokenLifetimeMs: number;
  readonly tokenSwitchMarginMs: number;
  /** Without an interaction, private notices are posted in the channel and removed after this. */
  readonly noticeLifetimeMs?: number;
  readonly now?: () => number;
}

/** Long enough to read a refusal under a 🔄, short enough not to clutter the channel. */
export const DEFAULT_NOTICE_LIFETIME_MS = 20_000;

export class DiscordJobMessage {
  private channelMessage: Message | undefined;
  private interactionMessageId: string | undefined;
  /** Set when the bot may not post in the channel: keep using the token until it really expires. */
  private channelRefused = false;
  private readonly now: () => number;

  constructor(private readonly options: JobMessageOptions) {
    this.now = options.now ?? Date.now;
  }

  /** When edits should move off the interaction token; undefined once they have (or never could). */
  get switchDueAt(): number | undefined {
    if (this.options.interaction === undefined || this.channelMessage !== undefined || this.channelRefused) return undefined;
    return this.tokenCreatedAt() + this.options.tokenLifetimeMs - this.options.tokenSwitchMarginMs;
  }

  /** The message that shows the job now, once it exists. */
  get ref(): MessageRef | undefined {
    const adopted = this.options.adopted;
    if (this.channelMessage === undefined && this.interactionMessageId === undefined && adopted !== undefined) return adopted;
    const messageId = this.channelMessage?.id ?? this.interactionMessageId;
    if (messageId === undefined) return undefined;
    return { platform: 'discord', channelId: this.channelMessage?.channelId ?? this.interactionChannelId(), messageId };
  }

  /** Shows `content`, moving to a channel message when the interaction token is about to expire. */
  async show(content: JobMessageContent): Promise<MessageRef> {
    if (this.channelMessage) {
      this.channelMessage = await this.channelMessage.edit(editOptions(content));
    } else if (this.options.adopted) {
      // Edited by id with the bot token: the old process's interaction token is gone.
      const channel = await this.options.channel();
      this.channelMessage = await channel.messages.edit(this.options.adopted.messageId, editOptions(content));
    } else if (this.options.interaction && !this.switchDue()) {
      const message = await this.options.interaction.editReply(editOptions(content));
      this.interactionMessageId = message.id;
    } else {
      await this.moveToChannel(content);
    }
    const ref = this.ref;
    if (ref === undefined) throw new Error('a shown job message has an id');
    return ref;
  }

  /**
   * Shows `content` to the requester only: the public reply is replaced by an ephemeral follow-up
   * while the token lives; without one (a 🔄 in the channel) it is shown in the job's message.
   */
  async showPrivately(content: JobMessageContent): Promise<void> {
    const interaction = this.options.interaction;
    if (!interaction && this.options.adopted !== undefined) {
      // The adopted message shows the job to everyone already; removing it would lose the job.
      await this.show(content);
      return;
    }
    if (!interaction) {
      // A 🔄 has no private channel back to the user: a short-lived reply in the channel instead.
      await this.show(content);
      const shown = this.channelMessage;
      setTimeout(() => void shown?.delete().catch(() => undefined), this.options.noticeLifetimeMs ?? DEFAULT_NOTICE_LIFETIME_MS).unref();
      return;
    }
    // An ephemeral deferral is private already; a channel message cannot be made private.
    if (!this.tokenAlive() || this.channelMessage || interaction.ephemeral === true) {
      await this.show(content);
      return;
    }
    await interaction.deleteReply().catch(() => undefined);
    await interaction.followUp({
      content: content.content,
      components: [...(content.components ?? [])],
      files: (content.files ?? []).map((file) => ({ attachment: file.data, name: file.name })),
      flags: MessageFlags.Ephemeral,
    });
  }

  /** Whether the message, as Discord has it now, carries a file other than `filename` (spoilered or not). */
  async showsFilesBesides(filename: string): Promise<boolean> {
    const ref = this.ref;
    if (ref === undefined) return false;
    const channel = await this.options.channel();
    const message = await channel.messages.fetch({ message: ref.messageId, force: true });
    return message.attachments.some((attachment) => attachment.name !== filename && attachment.name !== `SPOILER_${filename}`);
  }

  private switchDue(): boolean {
    const due = this.switchDueAt;
    return due !== undefined && this.now() >= due;
  }

  private tokenAlive(): boolean {
    return this.options.interaction !== undefined && this.now() < this.tokenCreatedAt() + this.options.tokenLifetimeMs;
  }

  private async moveToChannel(content: JobMessageContent): Promise<void> {
    const interaction = this.options.interaction;
    try {
      const channel = await this.options.channel();
      const replyTo = this.options.replyToMessageId;
      this.channelMessage = await channel.send({
        content: content.content,
        components: [...(content.components ?? [])],
        files: (content.files ?? []).map((file) => ({ attachment: file.data, name: file.name })),
        ...(replyTo !== undefined ? { reply: { messageReference: replyTo, failIfNotExists: false } } : {}),
      });
    } catch (error) {
      if (!interaction || !this.tokenAlive()) throw error;
      // Not allowed to post here: stay on the token for as long as it lives, and let the caller report why.
      this.channelRefused = true;
      throw error;
    }
    if (interaction && this.tokenAlive()) {
      const link = this.channelMessage.url;
      await interaction.editReply({ content: `↪ Continued in ${link}`, components: [], attachments: [] }).catch(() => undefined);
    }
  }

  private tokenCreatedAt(): number {
    const interaction = this.options.interaction;
    if (!interaction) return Number.NEGATIVE_INFINITY;
    return Math.min(this.options.interactionCreatedAt ?? interaction.createdTimestamp, interaction.createdTimestamp);
  }

  private interactionChannelId(): string {
    return this.options.interaction?.channelId ?? '';
  }
}

function editOptions(content: JobMessageContent): {
  content: string;
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  files?: { attachment: Buffer; name: string }[];
  attachments?: [];
} {
  return {
    content: content.content,
    components: [...(content.components ?? [])],
    // Listing no attachments drops the old preview; the new files are added.
    ...(content.files !== undefined ? { files: content.files.map((file) => ({ attachment: file.data, name: file.name })), attachments: [] } : {}),
  };
}
