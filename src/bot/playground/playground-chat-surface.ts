// One job (or one answer) as the playground shows it: a bot message posted the moment the request
// is accepted, edited by the JobPresenter with its place in line and live previews, and finally
// turned into the images with their parameters and buttons, or into an error that says what
// happened. Private answers are messages only the requester's tabs show.
import type { FormView } from '../../commands/form.js';
import type { MessageRef } from '../../commands/job-record.js';
import type { Reply } from '../../commands/reply.js';
import type { ChatSurface, SurfaceFailure } from '../core/chat-surface.js';
import type { PlaygroundImageStore } from './image-store.js';
import type { MessagePatch, PlaygroundChannel } from './playground-channel.js';
import { BOT_AUTHOR, messageRef } from './playground-identity.js';
import { renderReply } from './render-reply.js';

export interface SurfaceDeps {
  readonly channel: PlaygroundChannel;
  readonly images: PlaygroundImageStore;
}

export interface SurfaceTarget {
  /** The line above the message, e.g. "ann used /imagine a fox". */
  readonly replyTo?: string;
  /** Who private answers are for. */
  readonly requester: string;
}

/** The job's message was deleted from the channel. */
class MessageGone extends Error {}

export class PlaygroundChatSurface implements ChatSurface {
  readonly canSpoil = false;
  private messageId: string | undefined;

  constructor(
    private readonly deps: SurfaceDeps,
    private readonly target: SurfaceTarget,
  ) {}

  get messageRef(): MessageRef | undefined {
    return this.messageId === undefined ? undefined : messageRef(this.messageId);
  }

  /** Takes over a message posted before a restart, for the job it shows. */
  adopt(messageId: string): void {
    this.messageId = messageId;
  }

  /** Posts the job's message at once, before anything is queued. */
  async acknowledge(ack: Reply): Promise<void> {
    const message = this.deps.channel.post({ author: BOT_AUTHOR, ...this.replyTo(), text: ack.text, tone: 'pending' });
    this.messageId = message.id;
  }

  async show(reply: Reply): Promise<void> {
    const rendered = await this.render(reply);
    // A step without a new preview keeps the one on screen.
    const { preview, ...rest } = rendered;
    this.edit(preview === undefined ? rest : rendered);
  }

  async deliver(reply: Reply): Promise<readonly MessageRef[]> {
    this.edit({ ...(await this.render(reply)), preview: undefined });
    const ref = this.messageRef;
    return ref === undefined ? [] : [ref];
  }

  async fail(reply: Reply): Promise<void> {
    this.edit({ ...(await this.render(reply)), preview: undefined });
  }

  async reply(reply: Reply): Promise<void> {
    const rendered = await this.render(reply);
    if (reply.ephemeral && this.messageId !== undefined) {
      // A refusal is the requester's business: the public placeholder goes.
      this.deps.channel.remove(this.messageId);
      this.messageId = undefined;
    }
    if (this.messageId !== undefined) {
      this.edit(rendered);
      return;
    }
    this.deps.channel.post({
      author: BOT_AUTHOR,
      ...this.replyTo(),
      ...(reply.ephemeral ? { visibleTo: this.target.requester } : {}),
      ...rendered,
    });
  }

  /** The form goes to the requester alone, as a message their page opens as a dialog. */
  async openForm(form: FormView): Promise<void> {
    this.deps.channel.post({
      author: BOT_AUTHOR,
      ...this.replyTo(),
      visibleTo: this.target.requester,
      text: form.title,
      form: { id: form.id, title: form.title, submitLabel: form.submitLabel, fields: form.fields.map((field) => ({ ...field })) },
    });
  }

  async dismiss(): Promise<void> {
    // Nothing is posted before a job is accepted or an answer is ready.
  }

  classify(error: unknown): SurfaceFailure {
    return { gone: error instanceof MessageGone };
  }

  /** The title (what was asked) leads the text, so a restored message still says what it was. */
  private async render(reply: Reply): Promise<MessagePatch & { readonly text: string }> {
    const rendered = await renderReply(reply, { images: this.deps.images });
    const text = [reply.title ?? '', rendered.text].filter((line) => line !== '').join('\n');
    return { ...rendered, title: undefined, text };
  }

  private edit(patch: MessagePatch): void {
    if (this.messageId === undefined) return;
    if (this.deps.channel.edit(this.messageId, patch) === undefined) throw new MessageGone(this.messageId);
  }

  private replyTo(): { replyTo?: string } {
    return this.target.replyTo === undefined ? {} : { replyTo: this.target.replyTo };
  }
}
