// Entry point for a button press or a reaction on a result.
import { parseActionId, type ActionRef } from './action-id.js';
import { resolveAction } from './actions.js';
import type { CommandDeps } from './command-deps.js';
import type { CommandOutcome } from './command-outcome.js';
import type { FormValues } from './form.js';
import type { Requester } from './generate-request.js';
import type { MessageRef } from './job-record.js';
import { messages } from './messages.js';
import { actionForReaction } from './reactions.js';
import { effectiveScopeSettings } from './scope-settings.js';
import { ackReply, errorReply, infoReply } from './replies.js';
import { UserFacingError } from './user-facing-error.js';

export type ActionInput =
  /** `mask`: a region the user painted on the image (the playground's brush), for Vary (Region). */
  | { readonly kind: 'button'; readonly id: string; readonly mask?: Uint8Array }
  /** A submitted form (Remix): its action id and the values by field id. */
  | { readonly kind: 'form'; readonly id: string; readonly values: FormValues }
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
  const result = resolveAction(ref, actor, record, {
    config: deps.config,
    random: deps.random ?? Math.random,
    // Where the button is pressed, as they are now: an older result follows today's bounds.
    bounds: await effectiveScopeSettings(deps.scopes, actor),
    ...(input.kind === 'button' && input.mask !== undefined ? { paintedMask: input.mask } : {}),
    ...(input.kind === 'form' ? { form: input.values } : {}),
  });
  if (UserFacingError.is(result)) return refusal(result);
  if (result.kind === 'generate') {
    return { kind: 'generate', requester: actor, request: result.request, ack: ackReply(result.request) };
  }
  if (result.kind === 'choose') return { kind: 'reply', reply: result.reply };
  if (result.kind === 'form') return { kind: 'form', form: result.form };
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
  if (input.kind === 'button') {
    const ref = parseActionId(input.id);
    // A form's id only counts when the form is submitted.
    return ref?.kind === 'remix_submit' ? undefined : ref;
  }
  if (input.kind === 'form') {
    const ref = parseActionId(input.id);
    return ref?.kind === 'remix_submit' ? ref : undefined;
  }
  const action = actionForReaction(input.emoji);
  if (action === undefined) return 'ignore';
  const record = await deps.jobs.findByMessage(input.message);
  return record === undefined ? 'ignore' : { kind: action, jobId: record.jobId };
}
