// A submitted form (the Remix modal): the commands layer turns its values into a new job, which is
// posted in the channel the form was opened from; refusals go privately to whoever submitted.
import { handleAction } from '../../commands/handle-action.js';
import type { FormValues } from '../../commands/form.js';
import { respond } from '../core/run-outcome.js';
import { notifyUser } from './notify-user.js';
import { slackRequester } from './slack-requester.js';
import { slackTarget, type SlackHandlerDeps } from './slack-target.js';

export interface FormSubmission {
  readonly callbackId: string;
  readonly values: FormValues;
  readonly userId: string;
  readonly teamId?: string;
  readonly channelId: string;
}

export function createFormSubmitListener(deps: SlackHandlerDeps): (submission: FormSubmission) => Promise<void> {
  return async (submission) => {
    const where = { channelId: submission.channelId, userId: submission.userId };
    const target = slackTarget(deps, {
      ...where,
      answer: (text) => notifyUser(deps.client, deps.logger, where, text),
      announceAccepted: false,
      logContext: { callbackId: submission.callbackId, user: submission.userId },
    });
    const requester = slackRequester({ ...where, ...(submission.teamId === undefined ? {} : { teamId: submission.teamId }) });
    await respond(
      () => handleAction({ kind: 'form', id: submission.callbackId, values: submission.values }, requester, deps.commands),
      target,
      deps,
    );
  };
}
