// `/imagine …`: acks within 3 s with the queue position or a clear refusal, then the job's own
// message takes over. response_url is never used: the ack is the only response to the command.
import type { SlashCommand } from '@slack/bolt';
import type { CommandDeps } from '../../commands/command-deps.js';
import { handleInvocation } from '../../commands/handle-invocation.js';
import { DeadlineAck, type AckFn } from './deadline-ack.js';
import { notifyUser } from './notify-user.js';
import { runOutcome, type OutcomeDeps } from './run-outcome.js';
import { slackInvocation } from './slack-invocation.js';
import { slackRequester } from './slack-requester.js';

export interface SlashCommandDeps extends OutcomeDeps {
  readonly commands: CommandDeps;
  readonly ackBudgetMs: number;
}

export interface SlashCommandArgs {
  readonly command: SlashCommand;
  readonly ack: AckFn;
}

const OOPS = "Something went wrong on my side, and your request wasn't queued. Please try again.";

export function createSlashCommandListener(deps: SlashCommandDeps): (args: SlashCommandArgs) => Promise<void> {
  return async ({ command, ack }) => {
    const target = { channelId: command.channel_id, userId: command.user_id };
    const deadline = new DeadlineAck(ack, deps.ackBudgetMs, (error) => deps.logger.warn({ err: error }, 'slack: ack failed'));
    const answer = async (text: string): Promise<void> => {
      if (!(await deadline.reply(text))) await notifyUser(deps.client, deps.logger, target, text);
    };
    try {
      const requester = slackRequester({
        userId: command.user_id,
        userName: command.user_name,
        teamId: command.team_id,
        channelId: command.channel_id,
      });
      const outcome = await handleInvocation(slackInvocation(command.text, requester, command.command), deps.commands);
      await runOutcome(
        deps,
        { ...target, channelName: command.channel_name, checkAccess: true, announceQueued: true, answer },
        outcome,
      );
    } catch (error) {
      deps.logger.error({ err: error, command: command.command }, 'slack: slash command failed');
      await answer(OOPS);
    } finally {
      await deadline.close();
    }
  };
}
