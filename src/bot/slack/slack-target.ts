// The outcome target of one Slack event (slash command, button, reaction): a surface of its own,
// private answers through `answer`, and deletes that remove the result's files too.
import type { webApi } from '@slack/bolt';
import type { CommandDeps } from '../../commands/command-deps.js';
import type { OutcomeDeps, OutcomeTarget } from '../core/run-outcome.js';
import type { ChannelAccess } from './channel-access.js';
import type { DeliveredFiles } from './delivered-files.js';
import { deleteResult } from './delete-result.js';
import { SlackChatSurface, type SlackSurfaceDeps } from './slack-chat-surface.js';
import type { SlackLogger } from './slack-logger.js';

export interface SlackHandlerDeps extends OutcomeDeps {
  readonly commands: CommandDeps;
  readonly client: webApi.WebClient;
  readonly logger: SlackLogger;
  readonly files: DeliveredFiles;
  readonly surface: SlackSurfaceDeps;
  readonly access: Pick<ChannelAccess, 'check'>;
  readonly botUserId: () => string;
}

export interface SlackEventTarget {
  readonly channelId: string;
  readonly userId: string;
  answer(text: string): Promise<void>;
  /** Slash commands announce an accepted job in their ack. */
  readonly announceAccepted: boolean;
  /** A button press's trigger, for opening a form. */
  readonly triggerId?: string;
  /** File ids a Delete button carried. */
  readonly fileIds?: readonly string[];
  readonly logContext: Readonly<Record<string, unknown>>;
}

export function slackTarget(deps: SlackHandlerDeps, event: SlackEventTarget): OutcomeTarget {
  return {
    surface: new SlackChatSurface(deps.surface, {
      channelId: event.channelId,
      requesterId: event.userId,
      answer: (text) => event.answer(text),
      announceAccepted: event.announceAccepted,
      ...(event.triggerId === undefined ? {} : { triggerId: event.triggerId }),
    }),
    logContext: event.logContext,
    deleteResult: (outcome) => deleteResult(deps, outcome, event.fileIds ?? []),
    // Slack's confirmation is private, so it never adds noise to the channel.
    confirmDeletes: true,
  };
}
