// Entry point for a button press or a reaction on a result.
import { parseActionId, type ActionRef } from './action-id.js';
import { resolveAction } from './actions.js';
import type { CommandDeps } from './command-deps.js';
import type { CommandOutcome } from './command-outcome.js';
import type { Requester } from './generate-request.js';
import type { MessageRef } from './job-record.js';
import { messages } from './messages.js';
import { actionForReaction } from './reactions.js';
import { ackReply, errorReply, infoReply } from './replies.js';
import { UserFacingError } from './user-facing-error.js';

export type ActionInput =
  | { readonly kind: 'button'; readonly id: string }
  /** `emoji`: the character on Discord, the short name on Slack; `message`: the message reacted to. */
  | { readonly kind: 'reaction'; readonly emoji: string; readonly message: MessageRef };

/**
 * Unknown buttons and missing jobs get a short ephemeral reply. Unrelated reactions (other emoji,
 * messages that hold no job) are ignored, since people react to messages for many reasons.
 */
export async function handleAction(input: ActionInput, actor: Requester, deps: CommandDeps): Promise<CommandOutcome> {
  const ref = await actionRefOf(input, deps);
  if (ref === 'ignore') return { kind: 'ignore' };
  if (ref === undefined) return refusal(new UserFacingError('not_found', messages.actions.invalidButton));

  const record = await deps.jobs.get(ref.jobId);
  if (record === undefined) return refusal(new UserFacingError('not_found', messages.actions.jobGone));
  const result = resolveAction(ref, actor, record, { config: deps.config, random: deps.random ?? Math.random });
  if (UserFacingError.is(result)) return refusal(result);
  if (result.kind === 'generate') {
    return { kind: 'generate', requester: actor, request: result.request, ack: ackReply(result.request) };
  }
  if (result.cancel) await deps.admin.cancel(result.jobId);
  return {
    kind: 'delete',
    jobId: result.jobId,
    messages: result.messages,
    reply: { ...infoReply(messages.actions.deleted), kind: 'deleted' },
  };
}

function refusal(error: UserFacingError): CommandOutcome {
  return { kind: 'reply', reply: errorReply(error) };
}

/** The action asked for; undefined for a malformed button id, 'ignore' for an unrelated reaction. */
async function actionRefOf(input: ActionInput, deps: CommandDeps): Promise<ActionRef | 'ignore' | undefined> {
  if (input.kind === 'button') return parseActionId(input.id);
  const action = actionForReaction(input.emoji);
  if (action === undefined) return 'ignore';
  const record = await deps.jobs.findByMessage(input.message);
  return record === undefined ? 'ignore' : { kind: action, jobId: record.jobId };
}
