// The playground's adapter: what tabs type and click becomes Invocations and actions for the
// commands layer; the outcomes become channel messages, and accepted requests become jobs whose
// messages a PlaygroundChatSurface keeps up to date. A failure here is logged and answered,
// never thrown at the server.
import type { CommandDeps } from '../../commands/command-deps.js';
import type { CommandOutcome } from '../../commands/command-outcome.js';
import type { Requester } from '../../commands/generate-request.js';
import { handleAction } from '../../commands/handle-action.js';
import type { ActionInput } from '../../commands/handle-action.js';
import { handleInvocation } from '../../commands/handle-invocation.js';
import type { FormValues } from '../../commands/form.js';
import { COMMAND_NAMES, type InvocationAttachment } from '../../commands/invocation.js';
import type { JobRecord } from '../../commands/job-record.js';
import type { Reply } from '../../commands/reply.js';
import type { ChatAdapter } from '../core/chat-adapter.js';
import { interruptedReply } from '../core/interrupted-reply.js';
import { LiveJobs } from '../core/live-jobs.js';
import type { Logger } from '../core/logger.js';
import type { NsfwPolicy } from '../core/nsfw-policy.js';
import { respond, type JobIntake, type OutcomeDeps, type OutcomeTarget } from '../core/run-outcome.js';
import { dataUrlBytes, invocationAttachment } from './data-url.js';
import type { PlaygroundImageStore } from './image-store.js';
import { parseCommandLine } from './parse-command-line.js';
import { PlaygroundChatSurface } from './playground-chat-surface.js';
import type { PlaygroundChannel } from './playground-channel.js';
import { isPlaygroundMessage, messageRef, playgroundRequester } from './playground-identity.js';
import { renderReply } from './render-reply.js';
import type { TabMessage } from './playground-server.js';
import { clipText } from '../../commands/clip-text.js';

/** The part of the job service the adapter uses. */
export type PlaygroundJobs = JobIntake;

export interface PlaygroundAdapterDeps {
  readonly channel: PlaygroundChannel;
  readonly images: PlaygroundImageStore;
  readonly commands: CommandDeps;
  readonly jobs: PlaygroundJobs;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  /** Flagged images: the playground cannot blur, so they are withheld either way. */
  readonly nsfwPolicy?: NsfwPolicy;
}

/** Long command lines are cut in the "ann used …" line; the full text is in the reply. */
const MAX_REPLY_TO_CHARS = 120;

export class PlaygroundAdapter implements Pick<ChatAdapter, 'platform' | 'markInterrupted'> {
  readonly platform = 'playground';
  private readonly live = new LiveJobs();
  private readonly outcomes: OutcomeDeps;

  constructor(private readonly deps: PlaygroundAdapterDeps) {
    const { channel, jobs } = deps;
    this.outcomes = {
      // The message keeps its job id, so a restored channel can offer Re-roll on it.
      jobs: {
        submit: (request, requester, observer) => jobs.submit(request, requester, observer),
        cancel: (jobId) => jobs.cancel(jobId),
        attachMessage: (jobId, ref) => {
          if (isPlaygroundMessage(ref)) channel.edit(ref.messageId, { jobId });
          return jobs.attachMessage(jobId, ref);
        },
      },
      logger: deps.logger,
      editIntervalMs: deps.editIntervalMs,
      nsfwPolicy: deps.nsfwPolicy ?? 'spoiler',
      live: this.live,
    };
  }

  /** Handles one thing a tab did. Resolves once the reply (or the job's first message) is shown. */
  async receive(action: TabMessage): Promise<void> {
    const requester = playgroundRequester(action.user);
    switch (action.type) {
      case 'command':
        await this.onCommand(requester, action.text, (action.attachments ?? []).map(invocationAttachment));
        return;
      case 'button':
        await this.onButton(requester, action.messageId, action.buttonId, action.mask);
        return;
      case 'form':
        await this.onForm(requester, action.messageId, action.formId, action.values);
        return;
      case 'reaction':
        await this.onReaction(requester, action.messageId, action.emoji);
        return;
    }
  }

  /** Resolves when every job shown so far has its last state in the channel. */
  idle(): Promise<void> {
    return this.live.idle();
  }

  async markInterrupted(record: JobRecord): Promise<void> {
    const rendered = await renderReply(interruptedReply(record), { images: this.deps.images });
    for (const ref of record.messages) {
      if (!isPlaygroundMessage(ref)) continue;
      const first = this.deps.channel.get(ref.messageId)?.text.split('\n')[0];
      const text = [first ?? '', rendered.text].filter((line) => line !== '').join('\n');
      this.deps.channel.edit(ref.messageId, { ...rendered, title: undefined, text, preview: undefined, jobId: record.jobId });
    }
  }

  private async onCommand(requester: Requester, text: string, attachments: readonly InvocationAttachment[]): Promise<void> {
    const line = parseCommandLine(text);
    const user = requester.userId;
    switch (line.kind) {
      case 'empty':
        return;
      case 'chat':
        this.deps.channel.post({ author: { kind: 'user', name: user }, text: line.text });
        return;
      case 'unknown':
        await this.postReply(requester, unknownCommandReply(line.name), `${user} typed /${line.name}`);
        return;
      case 'command': {
        const invocation = { requester, command: line.command, options: {}, text: line.text, attachments };
        await this.run(() => handleInvocation(invocation, this.deps.commands), requester, `${user} used ${clipText(text.trim(), MAX_REPLY_TO_CHARS)}`);
        return;
      }
    }
  }

  private async onButton(requester: Requester, messageId: string, buttonId: string, maskDataUrl: string | undefined): Promise<void> {
    const label = this.deps.channel
      .get(messageId)
      ?.buttonRows.flat()
      .find((button) => button.id === buttonId)?.label;
    const mask = maskDataUrl === undefined ? undefined : dataUrlBytes(maskDataUrl)?.data;
    const input: ActionInput = { kind: 'button', id: buttonId, ...(mask === undefined ? {} : { mask }) };
    await this.run(() => handleAction(input, requester, this.deps.commands), requester, `${requester.userId} pressed ${label ?? 'a button'}`);
  }

  /** A submitted form replaces the private message that held it. */
  private async onForm(requester: Requester, messageId: string, formId: string, values: FormValues): Promise<void> {
    const message = this.deps.channel.get(messageId);
    if (message?.form?.id === formId && message.visibleTo === requester.userId) this.deps.channel.remove(messageId);
    const title = message?.form?.title ?? 'a form';
    await this.run(
      () => handleAction({ kind: 'form', id: formId, values }, requester, this.deps.commands),
      requester,
      `${requester.userId} sent ${title}`,
    );
  }

  private async onReaction(requester: Requester, messageId: string, emoji: string): Promise<void> {
    const user = requester.userId;
    const message = this.deps.channel.toggleReaction(messageId, emoji, user);
    const added = message?.reactions.some((reaction) => reaction.emoji === emoji && reaction.users.includes(user)) === true;
    // Taking a reaction back does nothing, as on Discord.
    if (!added) return;
    const input: ActionInput = { kind: 'reaction', emoji, message: messageRef(messageId) };
    await this.run(() => handleAction(input, requester, this.deps.commands), requester, `${user} reacted ${emoji}`);
  }

  private async run(decide: () => Promise<CommandOutcome>, requester: Requester, replyTo: string): Promise<void> {
    const target: OutcomeTarget = {
      surface: new PlaygroundChatSurface(this.deps, { replyTo, requester: requester.userId }),
      logContext: { user: requester.userId },
      deleteResult: async (outcome) => {
        for (const ref of outcome.messages) {
          if (isPlaygroundMessage(ref)) this.deps.channel.remove(ref.messageId);
        }
      },
      confirmDeletes: true,
    };
    await respond(decide, target, this.outcomes);
  }

  private async postReply(requester: Requester, reply: Reply, replyTo: string): Promise<void> {
    await new PlaygroundChatSurface(this.deps, { replyTo, requester: requester.userId }).reply(reply);
  }
}

function unknownCommandReply(name: string): Reply {
  const known = COMMAND_NAMES.map((command) => `\`/${command}\``).join(', ');
  return { kind: 'error', text: `\`/${name}\` isn't a command here. Try one of ${known}.`, ephemeral: true };
}
