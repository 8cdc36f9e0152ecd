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
import { COMMAND_NAMES } from '../../commands/invocation.js';
import { errorReply } from '../../commands/replies.js';
import type { Reply } from '../../commands/reply.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { JobService } from '../core/job-service.js';
import type { Logger } from '../core/logger.js';
import type { PlaygroundImageStore } from './image-store.js';
import { parseCommandLine } from './parse-command-line.js';
import { PlaygroundChatSurface } from './playground-chat-surface.js';
import type { PlaygroundChannel } from './playground-channel.js';
import { BOT_AUTHOR, isPlaygroundMessage, messageRef, playgroundRequester } from './playground-identity.js';
import { renderReply } from './render-reply.js';
import type { TabMessage } from './playground-server.js';
import { clipText } from '../../commands/clip-text.js';

/** The part of the job service the adapter uses. */
export type PlaygroundJobs = Pick<JobService, 'submit' | 'attachMessage'>;

export interface PlaygroundAdapterDeps {
  readonly channel: PlaygroundChannel;
  readonly images: PlaygroundImageStore;
  readonly commands: CommandDeps;
  readonly jobs: PlaygroundJobs;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  readonly now?: () => number;
}

/** Long command lines are cut in the "ann used …" line; the full text is in the reply. */
const MAX_REPLY_TO_CHARS = 120;

export class PlaygroundAdapter {
  constructor(private readonly deps: PlaygroundAdapterDeps) {}

  /** Handles one thing a tab did. Resolves once the reply (or the job's first message) is shown. */
  async receive(action: TabMessage): Promise<void> {
    const requester = playgroundRequester(action.user);
    try {
      switch (action.type) {
        case 'command':
          await this.onCommand(requester, action.text);
          return;
        case 'button':
          await this.onButton(requester, action.messageId, action.buttonId);
          return;
        case 'reaction':
          await this.onReaction(requester, action.messageId, action.emoji);
          return;
      }
    } catch (error) {
      this.deps.logger.error({ err: error, user: action.user, type: action.type }, 'playground: handling failed');
      await this.postReply(requester, errorReply(new UserFacingError('generation_failed', '')), undefined);
    }
  }

  private async onCommand(requester: Requester, text: string): Promise<void> {
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
        const outcome = await handleInvocation(
          { requester, command: line.command, options: {}, text: line.text, attachments: [] },
          this.deps.commands,
        );
        await this.apply(outcome, requester, `${user} used ${clipText(text.trim(), MAX_REPLY_TO_CHARS)}`);
        return;
      }
    }
  }

  private async onButton(requester: Requester, messageId: string, buttonId: string): Promise<void> {
    const label = this.deps.channel
      .get(messageId)
      ?.buttonRows.flat()
      .find((button) => button.id === buttonId)?.label;
    const outcome = await handleAction({ kind: 'button', id: buttonId }, requester, this.deps.commands);
    await this.apply(outcome, requester, `${requester.userId} pressed ${label ?? 'a button'}`);
  }

  private async onReaction(requester: Requester, messageId: string, emoji: string): Promise<void> {
    const user = requester.userId;
    const message = this.deps.channel.toggleReaction(messageId, emoji, user);
    const added = message?.reactions.some((reaction) => reaction.emoji === emoji && reaction.users.includes(user)) === true;
    // Taking a reaction back does nothing, as on Discord.
    if (!added) return;
    const input: ActionInput = { kind: 'reaction', emoji, message: messageRef(messageId) };
    const outcome = await handleAction(input, requester, this.deps.commands);
    await this.apply(outcome, requester, `${user} reacted ${emoji}`);
  }

  private async apply(outcome: CommandOutcome, requester: Requester, replyTo: string): Promise<void> {
    switch (outcome.kind) {
      case 'ignore':
        return;
      case 'reply':
        await this.postReply(requester, outcome.reply, replyTo);
        return;
      case 'delete':
        for (const ref of outcome.messages) {
          if (isPlaygroundMessage(ref)) this.deps.channel.remove(ref.messageId);
        }
        await this.postReply(requester, outcome.reply, replyTo);
        return;
      case 'generate':
        await this.startJob(outcome, replyTo);
        return;
    }
  }

  private async startJob(outcome: Extract<CommandOutcome, { kind: 'generate' }>, replyTo: string): Promise<void> {
    const { requester, request } = outcome;
    const surface = new PlaygroundChatSurface(this.deps, { replyTo, ageRestricted: requester.ageRestrictedChannel });
    const ref = surface.acknowledge(outcome.ack);
    let jobId: string;
    try {
      ({ jobId } = await this.deps.jobs.submit(request, requester, surface));
    } catch (error) {
      if (!UserFacingError.is(error)) this.deps.logger.error({ err: error, user: requester.userId }, 'playground: submit failed');
      await surface.onFailed(UserFacingError.is(error) ? error : new UserFacingError('generation_failed', ''));
      return;
    }
    surface.showsJob(jobId);
    try {
      await this.deps.jobs.attachMessage(jobId, ref);
    } catch (error) {
      // The job still runs and shows its result; only a re-roll after a restart would miss it.
      this.deps.logger.warn({ err: error, jobId }, 'playground: could not record the message of a job');
    }
  }

  private async postReply(requester: Requester, reply: Reply, replyTo: string | undefined): Promise<void> {
    const rendered = await renderReply(reply, { images: this.deps.images, ageRestricted: requester.ageRestrictedChannel });
    this.deps.channel.post({
      author: BOT_AUTHOR,
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(reply.ephemeral ? { visibleTo: requester.userId } : {}),
      ...rendered,
    });
  }
}

function unknownCommandReply(name: string): Reply {
  const known = COMMAND_NAMES.map((command) => `\`/${command}\``).join(', ');
  return { kind: 'error', text: `\`/${name}\` isn't a command here. Try one of ${known}.`, ephemeral: true };
}
