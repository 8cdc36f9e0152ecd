// Carries out what the commands layer decided, on Discord: start a job and follow it, show a
// reply (privately when it is a refusal), delete a result's messages, or stay silent.
import type { CommandOutcome } from '../../commands/command-outcome.js';
import type { MessageRef } from '../../commands/job-record.js';
import { displayPrompt, errorReply } from '../../commands/replies.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { Logger } from '../core/logger.js';
import type { DiscordConfig } from './discord-config.js';
import type { DiscordBackend } from './discord-backend.js';
import { DiscordChatSurface, type DiscordChatSurfaceHooks } from './discord-chat-surface.js';
import type { DiscordJobMessage } from './job-message.js';
import type { ResultFilesOptions } from './result-files.js';

export interface OutcomeTarget {
  readonly message: DiscordJobMessage;
  readonly files: ResultFilesOptions;
  readonly logContext: Readonly<Record<string, unknown>>;
  /** Tells the requester which permission the bot lacks (and logs it). */
  readonly reportMissingPermissions: (error: unknown) => Promise<void>;
  /** Nothing to show: drop the placeholder (a deferred reply) if there is one. */
  readonly dismiss: () => Promise<void>;
  /** False for reactions: a "Deleted." notice in the channel would only add noise. */
  readonly confirmDeletes: boolean;
}

export interface OutcomeDeps {
  readonly backend: DiscordBackend;
  readonly config: DiscordConfig;
  readonly logger: Logger;
  /** Jobs being shown right now, so a MESSAGE_DELETE can find its job. */
  readonly activeSurfaces: Set<DiscordChatSurface>;
  readonly deleteMessage: (ref: MessageRef) => Promise<void>;
}

export async function runOutcome(outcome: CommandOutcome, target: OutcomeTarget, deps: OutcomeDeps): Promise<void> {
  switch (outcome.kind) {
    case 'ignore':
    // A form can only be the first answer to a button; the interaction handler shows it before deferring.
    case 'form':
      await target.dismiss();
      return;
    case 'reply':
      await surfaceFor(target, deps, undefined, {}).finish(outcome.reply);
      return;
    case 'delete':
      await Promise.all(
        outcome.messages.map((ref) =>
          deps.deleteMessage(ref).catch((error: unknown) => deps.logger.warn({ ...target.logContext, err: error, ref }, 'could not delete a result message')),
        ),
      );
      if (target.confirmDeletes) await surfaceFor(target, deps, undefined, {}).finish(outcome.reply);
      else await target.dismiss();
      return;
    case 'generate':
      await startJob(outcome, target, deps);
      return;
  }
}

async function startJob(outcome: Extract<CommandOutcome, { kind: 'generate' }>, target: OutcomeTarget, deps: OutcomeDeps): Promise<void> {
  let jobId: string | undefined;
  let cancelWhenKnown = false;
  const surface = surfaceFor(target, deps, displayPrompt(outcome.request.prompt), {
    onMessageGone: () => {
      if (jobId === undefined) cancelWhenKnown = true;
      else void deps.backend.cancel(jobId);
    },
    onDelivered: async (ref) => {
      if (jobId !== undefined) await deps.backend.attachMessage(jobId, ref);
    },
  });
  surface.show(outcome.ack);
  try {
    ({ jobId } = await deps.backend.submit(outcome.request, outcome.requester, surface));
    if (cancelWhenKnown) await deps.backend.cancel(jobId);
  } catch (error) {
    if (!UserFacingError.is(error)) deps.logger.error({ ...target.logContext, err: error }, 'could not submit the job');
    const refusal = UserFacingError.is(error) ? error : new UserFacingError('generation_failed', '');
    await surface.finish(errorReply(refusal));
  }
}

function surfaceFor(
  target: OutcomeTarget,
  deps: OutcomeDeps,
  title: string | undefined,
  hooks: Partial<Pick<DiscordChatSurfaceHooks, 'onMessageGone' | 'onDelivered'>>,
): DiscordChatSurface {
  const surface: DiscordChatSurface = new DiscordChatSurface(
    target.message,
    {
      editIntervalMs: deps.config.editIntervalMs,
      deliveryAttempts: deps.config.deliveryAttempts,
      files: target.files,
      logger: deps.logger,
      logContext: target.logContext,
      ...(title !== undefined ? { title } : {}),
    },
    {
      onMessageGone: hooks.onMessageGone ?? (() => undefined),
      onDelivered: hooks.onDelivered ?? (async () => undefined),
      onMissingPermissions: target.reportMissingPermissions,
      onClosed: () => deps.activeSurfaces.delete(surface),
    },
  );
  deps.activeSurfaces.add(surface);
  return surface;
}
