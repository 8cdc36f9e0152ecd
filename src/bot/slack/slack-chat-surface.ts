// One job (or one answer) as Slack users see it: the bot's own channel message, posted once the job
// is accepted and edited with its place in line and progress, a live preview in its thread, and
// finally the PNGs uploaded with their parameters and the result buttons. Answers to the requester
// alone go through `answer` (the slash command's ack, or an ephemeral message).
//
// Previews are uploaded files shared into the message's thread, each replacing the last. A Block
// Kit image would need either a public image_url (a self-hosted Socket Mode bot has none) or a
// `slack_file` pointing at an unshared upload, which Slack rejects with invalid_blocks until the
// file is shared and processed. A shared file always renders.
//
// A result reaches the user once even when a bot is killed while delivering it (the runner then
// lets the next bot deliver again, see job-runner.ts). Killed before the upload was complete: the
// next bot uploads it. Killed after Slack shared the files, before the job message was edited:
// the next bot (which adopts the message) finds those files in Slack (`findEarlierUpload`) and only
// edits the message, with their ids in the delete button. Killed after the edit: the same path
// edits it again with the same text, which the user cannot tell from nothing.
import type { webApi } from '@slack/bolt';
import { parseActionId } from '../../commands/action-id.js';
import type { FormView } from '../../commands/form.js';
import type { MessageRef } from '../../commands/job-record.js';
import type { Reply } from '../../commands/reply.js';
import type { ChatSurface, SurfaceFailure } from '../core/chat-surface.js';
import type { DeliveredFiles } from './delivered-files.js';
import { findEarlierUpload } from './earlier-upload.js';
import { renderReply, replyToMrkdwn, type SlackMessage } from './render-reply.js';
import { NO_ACCESS_CODES, slackErrorInfo } from './slack-error.js';
import { slackModal } from './slack-form.js';
import type { SlackLogger } from './slack-logger.js';
import { accessProblemText, progressMessage, requestedBy, resultCaption, type AccessProblem } from './slack-messages.js';
import { type UploadedFiles, uploadedFiles } from './uploaded-files.js';

export interface SlackSurfaceDeps {
  /** Retries and waits out rate limits: for messages that must arrive. */
  readonly client: webApi.WebClient;
  /** `rejectRateLimitedCalls`: a refused progress edit is dropped, never queued behind a wait. */
  readonly previewClient: webApi.WebClient;
  readonly files: DeliveredFiles;
  readonly logger: SlackLogger;
  readonly resultsInThread: boolean;
  readonly botUserId: () => string;
}

export interface SlackSurfaceTarget {
  readonly channelId: string;
  readonly requesterId: string;
  /** Tells the requester privately: the slash command's ack, or an ephemeral message. */
  answer(text: string): Promise<void>;
  /** Whether an accepted job is announced through `answer` (a slash command's ack must say something). */
  readonly announceAccepted: boolean;
  /** A button press's trigger, which lets the surface open a form (valid for 3 s). */
  readonly triggerId?: string;
}

const PREVIEW_FILENAME = 'preview.png';
const REROLL_REACTION = 'repeat';
const MAX_ALT_TEXT = 1000;

interface ShownImage {
  readonly filename: string;
  readonly png: Uint8Array;
}

/** Slack would not take the job's message: the job cannot be shown, so it stops. */
class JobMessageRefused extends Error {}

export class SlackChatSurface implements ChatSurface {
  readonly canSpoil = false;
  #ack: Reply | undefined;
  #ts: string | undefined;
  #previewFileId: string | undefined;
  /** The message was posted by an earlier process, which may have shared this job's result already. */
  #adopted = false;

  constructor(
    private readonly deps: SlackSurfaceDeps,
    private readonly target: SlackSurfaceTarget,
  ) {}

  /** Takes over the message that showed a job before a restart: later states update it in place. */
  adopt(ts: string): void {
    this.#ts = ts;
    this.#adopted = true;
  }

  get messageRef(): MessageRef | undefined {
    return this.#ts === undefined ? undefined : this.#ref(this.#ts);
  }

  /** Nothing is posted before the job is accepted: a refusal then leaves no trace in the channel. */
  async acknowledge(ack: Reply): Promise<void> {
    this.#ack = ack;
  }

  async show(reply: Reply): Promise<void> {
    const message = progressMessage(this.#headline(reply), reply.text, this.target.requesterId);
    const ts = this.#ts;
    if (ts === undefined) {
      await this.#open(reply, message);
      return;
    }
    const preview = reply.images?.[0]?.png;
    if (preview !== undefined) await this.#showPreview(ts, preview);
    await this.deps.previewClient.chat.update({ channel: this.target.channelId, ts, text: message.text, blocks: [...message.blocks] });
  }

  async deliver(reply: Reply): Promise<readonly MessageRef[]> {
    const ts = this.#ts;
    await this.#dropPreview();
    if (ts === undefined) return [];
    const shown = (reply.images ?? []).flatMap((image) => (image.png === undefined ? [] : [{ ...image, png: image.png }]));
    const { channelId } = this.target;
    let fileIds: readonly string[] = [];
    let shareTs: readonly string[] = [];
    if (shown.length > 0) {
      ({ fileIds, shareTs } = (await this.#earlierUpload(ts, shown)) ?? (await this.#upload(ts, reply, shown)));
    }
    const deleteIds = (reply.buttons ?? []).flat().filter((b) => parseActionId(b.id)?.kind === 'delete').map((b) => b.id);
    const jobId = deleteIds.map((id) => parseActionId(id)?.jobId).find((id) => id !== undefined);
    if (jobId !== undefined) this.deps.files.remember(jobId, fileIds);
    const final = renderReply(reply, {
      footer: requestedBy(this.target.requesterId),
      buttonValues: new Map(deleteIds.map((id) => [id, fileIds.join(',')])),
    });
    await this.deps.client.chat.update({ channel: channelId, ts, text: final.text, blocks: [...final.blocks] });
    if (shown.length > 0) await this.#offerRerollReaction(ts);
    return [ts, ...shareTs].map((messageTs) => this.#ref(messageTs));
  }

  async #upload(ts: string, reply: Reply, shown: readonly ShownImage[]): Promise<UploadedFiles> {
    const response = await this.deps.client.files.uploadV2({
      channel_id: this.target.channelId,
      ...(this.deps.resultsInThread ? { thread_ts: ts } : {}),
      initial_comment: resultCaption(reply),
      file_uploads: shown.map((image) => ({
        file: Buffer.from(image.png),
        filename: image.filename,
        title: image.filename,
        alt_text: reply.text.slice(0, MAX_ALT_TEXT),
      })),
    });
    return uploadedFiles(response);
  }

  /** What an earlier process shared of this result before it stopped (only an adopted message can have any). */
  async #earlierUpload(ts: string, shown: readonly ShownImage[]): Promise<UploadedFiles | undefined> {
    if (!this.#adopted) return undefined;
    let found: UploadedFiles | undefined;
    try {
      found = await findEarlierUpload(this.deps.client, {
        channelId: this.target.channelId,
        jobTs: ts,
        botUserId: this.deps.botUserId(),
        filenames: shown.map((image) => image.filename),
        inThread: this.deps.resultsInThread,
      });
    } catch (error) {
      // Better twice than never: a lookup Slack refused must not keep the result from the user.
      this.deps.logger.warn({ err: error, code: slackErrorInfo(error).code, channelId: this.target.channelId, ts }, 'slack: could not look for an earlier upload; uploading');
      return undefined;
    }
    if (found !== undefined) this.deps.logger.info({ channelId: this.target.channelId, ts, fileIds: found.fileIds }, 'slack: the result was uploaded before a restart; not uploading it again');
    return found;
  }

  async fail(reply: Reply): Promise<void> {
    const ts = this.#ts;
    await this.#dropPreview();
    if (ts === undefined) {
      await this.target.answer(replyToMrkdwn(reply));
      return;
    }
    const message = renderReply(reply, { footer: requestedBy(this.target.requesterId) });
    await this.deps.client.chat.update({ channel: this.target.channelId, ts, text: message.text, blocks: [...message.blocks] });
  }

  /** Slack commands answer the person who asked; the channel only sees jobs. */
  async reply(reply: Reply): Promise<void> {
    // A private choice (Vary (Region)) keeps its buttons: an ephemeral message can carry them.
    if ((reply.buttons ?? []).length > 0) {
      const message = renderReply(reply);
      try {
        await this.deps.client.chat.postEphemeral({
          channel: this.target.channelId,
          user: this.target.requesterId,
          text: message.text,
          blocks: [...message.blocks],
        });
        return;
      } catch (error) {
        this.deps.logger.debug({ err: error, channelId: this.target.channelId }, 'slack: ephemeral choice failed, answering in words');
      }
    }
    await this.target.answer(replyToMrkdwn(reply));
  }

  async openForm(form: FormView): Promise<void> {
    const triggerId = this.target.triggerId;
    if (triggerId === undefined) throw new Error('a form can only open from a button press');
    await this.deps.client.views.open({ trigger_id: triggerId, view: slackModal(form, { channelId: this.target.channelId }) });
  }

  async dismiss(): Promise<void> {
    // Nothing waits on Slack: the slash command's ack is closed by its listener.
  }

  classify(error: unknown): SurfaceFailure {
    const info = slackErrorInfo(error);
    const gone = error instanceof JobMessageRefused || info.code === 'message_not_found' || info.code === 'channel_not_found';
    return { gone, ...(info.retryAfterMs === undefined ? {} : { retryAfterMs: info.retryAfterMs }) };
  }

  #headline(reply: Reply): Reply {
    const text = reply.title ?? this.#ack?.text ?? '';
    return { kind: 'ack', text, ephemeral: false };
  }

  /** Posts the job's own message; if Slack will not take it, the requester is told why and the job stops. */
  async #open(reply: Reply, message: SlackMessage): Promise<void> {
    if (this.target.announceAccepted) {
      const ack = this.#ack === undefined ? '' : `${replyToMrkdwn(this.#ack)}\n`;
      await this.target.answer(`${ack}${reply.text}`);
    }
    try {
      const response = await this.deps.client.chat.postMessage({ channel: this.target.channelId, text: message.text, blocks: [...message.blocks] });
      this.#ts = response.ts ?? '';
    } catch (error) {
      const code = slackErrorInfo(error).code ?? 'unknown_error';
      this.deps.logger.warn({ err: error, code, channelId: this.target.channelId }, 'slack: could not post the job message; cancelling');
      const text = NO_ACCESS_CODES.includes(code)
        ? accessProblemText(problemFor(code, this.target.channelId), this.deps.botUserId())
        : `I couldn't post in this channel (Slack said \`${code}\`), so I cancelled your request. Please try again in a moment.`;
      await this.target.answer(text);
      throw new JobMessageRefused(code);
    }
  }

  async #showPreview(ts: string, png: Uint8Array): Promise<void> {
    const response = await this.deps.previewClient.files.uploadV2({
      channel_id: this.target.channelId,
      thread_ts: ts,
      file: Buffer.from(png),
      filename: PREVIEW_FILENAME,
      title: 'Preview',
      alt_text: 'Preview of the image being generated',
    });
    const superseded = this.#previewFileId;
    this.#previewFileId = uploadedFiles(response).fileIds[0];
    if (superseded !== undefined) await this.#deleteFile(superseded);
  }

  async #dropPreview(): Promise<void> {
    const preview = this.#previewFileId;
    this.#previewFileId = undefined;
    if (preview !== undefined) await this.#deleteFile(preview);
  }

  async #deleteFile(fileId: string): Promise<void> {
    try {
      await this.deps.client.files.delete({ file: fileId });
    } catch (error) {
      this.deps.logger.debug({ fileId, err: error }, 'slack: could not delete a preview file');
    }
  }

  /** A 🔁 already on the result lets people re-roll with one click; the bot's own reaction is ignored. */
  async #offerRerollReaction(ts: string): Promise<void> {
    try {
      await this.deps.client.reactions.add({ channel: this.target.channelId, timestamp: ts, name: REROLL_REACTION });
    } catch (error) {
      this.deps.logger.debug({ err: error, code: slackErrorInfo(error).code }, 'slack: could not add the re-roll reaction');
    }
  }

  #ref(ts: string): MessageRef {
    return { platform: 'slack', channelId: this.target.channelId, messageId: ts };
  }
}

function problemFor(code: string, channelId: string): AccessProblem {
  if (code === 'not_in_channel') return 'not_member';
  return channelId.startsWith('D') ? 'direct_message' : 'private_channel';
}
