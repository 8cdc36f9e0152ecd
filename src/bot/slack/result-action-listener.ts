// Result buttons (U1…, V1…, Re-roll, Delete): the commands layer decides from the button id and the
// stored job record; new jobs get their own message, refusals go privately to whoever pressed.
import { handleAction } from '../../commands/handle-action.js';
import { respond } from '../core/run-outcome.js';
import { notifyUser } from './notify-user.js';
import { slackRequester } from './slack-requester.js';
import { slackTarget, type SlackHandlerDeps } from './slack-target.js';

export interface ButtonPress {
  readonly actionId: string;
  /** The button's value: for Delete, the ids of the result's files. */
  readonly value?: string;
  readonly userId: string;
  readonly teamId?: string;
  readonly channelId: string;
  /** Lets a button open a form (Remix). */
  readonly triggerId?: string;
}

export function createResultActionListener(deps: SlackHandlerDeps): (press: ButtonPress) => Promise<void> {
  return async (press) => {
    const where = { channelId: press.channelId, userId: press.userId };
    const target = slackTarget(deps, {
      ...where,
      answer: (text) => notifyUser(deps.client, deps.logger, where, text),
      announceAccepted: false,
      fileIds: (press.value ?? '').split(',').filter((id) => id !== ''),
      ...(press.triggerId === undefined ? {} : { triggerId: press.triggerId }),
      logContext: { actionId: press.actionId, user: press.userId },
    });
    const requester = slackRequester({ ...where, ...(press.teamId === undefined ? {} : { teamId: press.teamId }) });
    await respond(() => handleAction({ kind: 'button', id: press.actionId }, requester, deps.commands), target, deps);
  };
}
