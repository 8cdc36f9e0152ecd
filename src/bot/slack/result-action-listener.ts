// Result buttons (U1…, V1…, Re-roll, Delete): the commands layer decides from the button id and the
// stored job record; new jobs get their own message, refusals go privately to whoever pressed.
import type { CommandDeps } from '../../commands/command-deps.js';
import { handleAction } from '../../commands/handle-action.js';
import { notifyUser } from './notify-user.js';
import { runOutcome, type OutcomeDeps } from './run-outcome.js';
import { slackRequester } from './slack-requester.js';

export interface ButtonPress {
  readonly actionId: string;
  /** The button's value: for Delete, the ids of the result's files. */
  readonly value?: string;
  readonly userId: string;
  readonly teamId?: string;
  readonly channelId: string;
}

export interface ResultActionDeps extends OutcomeDeps {
  readonly commands: CommandDeps;
}

export function createResultActionListener(deps: ResultActionDeps): (press: ButtonPress) => Promise<void> {
  return async (press) => {
    const target = { channelId: press.channelId, userId: press.userId };
    try {
      const requester = slackRequester({ ...target, ...(press.teamId === undefined ? {} : { teamId: press.teamId }) });
      const outcome = await handleAction({ kind: 'button', id: press.actionId }, requester, deps.commands);
      await runOutcome(
        deps,
        {
          ...target,
          checkAccess: false,
          announceQueued: false,
          answer: (text) => notifyUser(deps.client, deps.logger, target, text),
          fileIds: (press.value ?? '').split(',').filter((id) => id !== ''),
        },
        outcome,
      );
    } catch (error) {
      deps.logger.error({ err: error, actionId: press.actionId }, 'slack: result button failed');
    }
  };
}
