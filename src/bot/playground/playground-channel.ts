// The one channel the playground shows: an ordered message history that posts, edits, deletes
// and reactions change, as a chat platform's API would. Listeners (the server) fan changes out.
import { randomUUID } from 'node:crypto';
import type { MessageTone, WireButton, WireField, WireForm, WireImage, WireMessage, WirePreview } from './wire-protocol.js';

export interface MessageDraft {
  readonly author: WireMessage['author'];
  readonly text: string;
  readonly visibleTo?: string;
  readonly replyTo?: string;
  readonly title?: string;
  readonly fields?: readonly WireField[];
  readonly tone?: MessageTone;
  readonly preview?: WirePreview;
  readonly images?: readonly WireImage[];
  readonly buttonRows?: readonly (readonly WireButton[])[];
  readonly reactionControls?: readonly string[];
  readonly form?: WireForm;
  readonly jobId?: string;
}

/** Fields an edit may replace; a field set to undefined is cleared (a preview, say). */
export type MessagePatch = Partial<Omit<MessageDraft, 'author' | 'visibleTo' | 'replyTo'>>;

export type ChannelEvent =
  | { readonly kind: 'upsert'; readonly message: WireMessage }
  | { readonly kind: 'remove'; readonly messageId: string; readonly visibleTo?: string };

export type ChannelListener = (event: ChannelEvent) => void;

export interface PlaygroundChannelOptions {
  readonly historyLimit: number;
  readonly now?: () => number;
  readonly newId?: () => string;
}

export class PlaygroundChannel {
  private readonly messages = new Map<string, WireMessage>();
  private readonly listeners = new Set<ChannelListener>();
  private readonly now: () => number;
  private readonly newId: () => string;

  /** `restored`: the history saved before a restart, oldest first. */
  constructor(
    private readonly options: PlaygroundChannelOptions,
    restored: readonly WireMessage[] = [],
  ) {
    this.now = options.now ?? Date.now;
    // Random ids never repeat across restarts, so job records keyed by message stay unambiguous.
    this.newId = options.newId ?? randomUUID;
    for (const message of restored) this.messages.set(message.id, message);
    this.trim();
  }

  subscribe(listener: ChannelListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  post(draft: MessageDraft): WireMessage {
    const message: WireMessage = dropUndefined({
      ...draft,
      id: this.newId(),
      tone: draft.tone ?? 'normal',
      fields: draft.fields ?? [],
      images: draft.images ?? [],
      buttonRows: draft.buttonRows ?? [],
      reactions: [],
      reactionControls: draft.reactionControls ?? [],
      createdAt: this.now(),
    });
    this.messages.set(message.id, message);
    this.trim();
    this.emit({ kind: 'upsert', message });
    return message;
  }

  /** Returns the edited message, or undefined when it was deleted meanwhile (edits then do nothing). */
  edit(messageId: string, patch: MessagePatch): WireMessage | undefined {
    const current = this.messages.get(messageId);
    if (current === undefined) return undefined;
    const edited = dropUndefined({ ...current, ...patch, editedAt: this.now() });
    this.messages.set(messageId, edited);
    this.emit({ kind: 'upsert', message: edited });
    return edited;
  }

  remove(messageId: string): boolean {
    const current = this.messages.get(messageId);
    if (current === undefined) return false;
    this.messages.delete(messageId);
    this.emit({
      kind: 'remove',
      messageId,
      ...(current.visibleTo === undefined ? {} : { visibleTo: current.visibleTo }),
    });
    return true;
  }

  get(messageId: string): WireMessage | undefined {
    return this.messages.get(messageId);
  }

  /** Adds the user's reaction, or takes it back when it is already there (a click toggles). */
  toggleReaction(messageId: string, emoji: string, user: string): WireMessage | undefined {
    const current = this.messages.get(messageId);
    if (current === undefined) return undefined;
    const existing = current.reactions.find((reaction) => reaction.emoji === emoji);
    const others = current.reactions.filter((reaction) => reaction.emoji !== emoji);
    const users = existing?.users ?? [];
    const nextUsers = users.includes(user) ? users.filter((name) => name !== user) : [...users, user];
    const reactions = nextUsers.length === 0 ? others : [...others, { emoji, users: nextUsers }];
    const edited: WireMessage = { ...current, reactions };
    this.messages.set(messageId, edited);
    this.emit({ kind: 'upsert', message: edited });
    return edited;
  }

  /** Every message, oldest first, as saved for the next start. */
  all(): WireMessage[] {
    return [...this.messages.values()];
  }

  /** The history a user's tab shows: public messages and the user's own private replies. */
  historyFor(user: string): WireMessage[] {
    return [...this.messages.values()].filter((message) => isVisibleTo(message, user));
  }

  private trim(): void {
    for (const id of this.messages.keys()) {
      if (this.messages.size <= this.options.historyLimit) return;
      this.messages.delete(id);
    }
  }

  private emit(event: ChannelEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export function isVisibleTo(message: Pick<WireMessage, 'visibleTo'>, user: string): boolean {
  return message.visibleTo === undefined || message.visibleTo === user;
}

/** Keeps cleared fields out of the record, so JSON and equality checks see them as absent. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
