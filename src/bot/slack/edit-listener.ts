// `/imagine edit` and the "Edit with imagine" message shortcut open the edit modal; its submission
// downloads the picture (and mask) with the bot token and runs /imagine on them through the
// commands layer, as Discord's attachments do. The job is posted in the channel the modal came
// from; refusals (a file too large, not an image, not downloadable) go privately to the user.
import type { CommandOutcome } from '../../commands/command-outcome.js';
import { handleInvocation } from '../../commands/handle-invocation.js';
import type { Invocation } from '../../commands/invocation.js';
import { messages } from '../../commands/messages.js';
import { respond } from '../core/run-outcome.js';
import { editModal, messageImages, typedText, type EditSubmission } from './edit-modal.js';
import { notifyUser } from './notify-user.js';
import type { SlackFileDownload } from './slack-file-download.js';
import { accessProblemText } from './slack-messages.js';
import { slackRequester } from './slack-requester.js';
import { slackTarget, type SlackHandlerDeps } from './slack-target.js';

export interface EditDeps extends SlackHandlerDeps {
  readonly download: SlackFileDownload;
  /** The slash command's name, for the hint to run `/imagine edit`. */
  readonly command: string;
}

interface ShortcutMessage {
  readonly ts: string;
  readonly user?: string;
  readonly text?: string;
  readonly files?: unknown;
}

interface Opener {
  readonly triggerId: string;
  readonly channelId: string;
  /** As Slack names it in the payload, which tells DMs between other people apart. */
  readonly channelName?: string;
  readonly userId: string;
}

export interface EditListener {
  /** `/imagine edit [prompt]`: a modal with file inputs for the image and the mask. */
  openUpload(opener: Opener & { readonly prompt: string }): Promise<void>;
  /** The message shortcut: a modal that edits the message's pictures, its text as the prompt. */
  openForMessage(opener: Opener & { readonly message: ShortcutMessage }): Promise<void>;
  submit(submission: EditSubmission & { readonly userId: string; readonly teamId?: string }): Promise<void>;
}

export function createEditListener(deps: EditDeps): EditListener {
  const open = async (opener: Opener, view: ReturnType<typeof editModal>): Promise<void> => {
    // A form whose job could never be posted would only waste the user's time: say so first.
    const access = await deps.access.check(opener.channelId, opener.channelName);
    if (!access.ok) {
      await notifyUser(deps.client, deps.logger, opener, accessProblemText(access.problem, deps.botUserId(), access.channelName));
      return;
    }
    try {
      await deps.client.views.open({ trigger_id: opener.triggerId, view });
    } catch (error) {
      deps.logger.warn({ err: error, user: opener.userId }, 'slack: could not open the edit form');
    }
  };
  /** A person's message says what they want; one of our results holds its job's prompt (its text is the caption). */
  const promptFor = async (channelId: string, message: ShortcutMessage): Promise<string> => {
    if (message.user !== deps.botUserId()) return typedText(message.text ?? '');
    const record = await deps.commands.jobs.findByMessage({ platform: 'slack', channelId, messageId: message.ts });
    return record?.request.prompt ?? '';
  };
  return {
    openUpload: (opener) => open(opener, editModal({ channelId: opener.channelId }, opener.prompt)),

    async openForMessage(opener) {
      const images = messageImages(opener.message.files);
      if (images.length === 0) {
        await notifyUser(deps.client, deps.logger, opener, messages.imageEdit.noImages(deps.command));
        return;
      }
      const origin = { channelId: opener.channelId, fileIds: images.map((image) => image.id), names: images.map((image) => image.name) };
      await open(opener, editModal(origin, await promptFor(opener.channelId, opener.message)));
    },

    async submit(submission) {
      const where = { channelId: submission.channelId, userId: submission.userId };
      const target = slackTarget(deps, {
        ...where,
        answer: (text) => notifyUser(deps.client, deps.logger, where, text),
        announceAccepted: false,
        logContext: { edit: true, user: submission.userId },
      });
      const decide = async (): Promise<CommandOutcome> => {
        const requester = slackRequester({ ...where, ...(submission.teamId === undefined ? {} : { teamId: submission.teamId }) });
        const attachments = await Promise.all(submission.files.map(({ ref, option }) => deps.download.attachment(ref, option)));
        const invocation: Invocation = { requester, command: 'imagine', options: {}, text: submission.prompt, attachments, singleCommand: deps.command };
        const outcome = await handleInvocation(invocation, deps.commands);
        if (outcome.kind !== 'generate') return outcome;
        const access = await deps.access.check(submission.channelId);
        if (access.ok) return outcome;
        await notifyUser(deps.client, deps.logger, where, accessProblemText(access.problem, deps.botUserId(), access.channelName));
        return { kind: 'ignore' };
      };
      await respond(decide, target, deps);
    },
  };
}
