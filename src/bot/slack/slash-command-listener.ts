// `/imagine …`: acks within 3 s with the queue position or a clear refusal, then the job's own
// message takes over. response_url is never used: the ack is the only response to the command.
import type { SlashCommand } from '@slack/bolt';
import type { CommandOutcome } from '../../commands/command-outcome.js';
import { handleInvocation } from '../../commands/handle-invocation.js';
import { respond } from '../core/run-outcome.js';
import { DeadlineAck, type AckFn } from './deadline-ack.js';
import { notifyUser } from './notify-user.js';
import { slackInvocation } from './slack-invocation.js';
import { accessProblemText } from './slack-messages.js';
import { slackRequester } from './slack-requester.js';
import { slackTarget, type SlackHandlerDeps } from './slack-target.js';

export interface SlashCommandDeps extends SlackHandlerDeps {
  readonly ackBudgetMs: number;
}

export interface SlashCommandArgs {
  readonly command: SlashCommand;
  readonly ack: AckFn;
}

export function createSlashCommandListener(deps: SlashCommandDeps): (args: SlashCommandArgs) => Promise<void> {
  return async ({ command, ack }) => {
    const where = { channelId: command.channel_id, userId: command.user_id };
    const deadline = new DeadlineAck(ack, deps.ackBudgetMs, (error) => deps.logger.warn({ err: error }, 'slack: ack failed'));
    const answer = async (text: string): Promise<void> => {
      if (!(await deadline.reply(text))) await notifyUser(deps.client, deps.logger, where, text);
    };
    const target = slackTarget(deps, { ...where, answer, announceAccepted: true, logContext: { command: command.command, user: command.user_id } });
    const decide = async (): Promise<CommandOutcome> => {
      const requester = slackRequester({
        userId: command.user_id,
        userName: command.user_name,
        teamId: command.team_id,
        channelId: command.channel_id,
      });
      const outcome = await handleInvocation(slackInvocation(command.text, requester, command.command), deps.commands);
      if (outcome.kind !== 'generate') return outcome;
      // Before queueing: a job the bot could not post about would only be cancelled later.
      const access = await deps.access.check(command.channel_id, command.channel_name);
      if (access.ok) return outcome;
      await answer(accessProblemText(access.problem, deps.botUserId(), access.channelName));
      return { kind: 'ignore' };
    };
    try {
      await respond(decide, target, deps);
    } finally {
      await deadline.close();
    }
  };
}
