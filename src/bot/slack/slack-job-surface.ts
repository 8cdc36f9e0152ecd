// One job as Slack users see it: the bot's own channel message, edited with the queue position and
// step progress (throttled, stale states dropped), a live preview image in its thread, and finally
// the PNGs uploaded with their parameters and the result buttons.
//
// Previews are uploaded files shared into the message's thread, each replacing the last. A Block
// Kit image would need either a public image_url (a self-hosted Socket Mode bot has none) or a
// `slack_file` pointing at an unshared upload, which Slack rejects with invalid_blocks until the
// file is shared and processed. A shared file always renders.
import type { GenerationPhase } from '../../pipeline/types.js';
import type { webApi } from '@slack/bolt';
import { parseActionId } from '../../commands/action-id.js';
import type { JobRecord } from '../../commands/job-record.js';
import { errorReply, progressReply, queuedReply, resultReply } from '../../commands/replies.js';
import type { Reply } from '../../commands/reply.js';
import type { UserFacingError } from '../../commands/user-facing-error.js';
import type { JobObserver, JobSuccessDetails } from '../core/job-observer.js';
import type { JobService } from '../core/job-service.js';
import type { DeliveredFiles } from './delivered-files.js';
import { EditThrottle, type Clock } from './edit-throttle.js';
import { renderReply, type SlackMessage } from './render-reply.js';
import { slackErrorInfo } from './slack-error.js';
import type { SlackLogger } from './slack-logger.js';
import { progressMessage, requestedBy, resultCaption } from './slack-messages.js';
import { uploadedFiles } from './uploaded-files.js';

export interface SurfaceDeps {
  /** Retries and waits out rate limits: for messages that must arrive. */
  readonly client: webApi.WebClient;
  /** `rejectRateLimitedCalls`: a refused progress edit is dropped, never queued behind a wait. */
  readonly previewClient: webApi.WebClient;
  readonly jobs: Pick<JobService, 'attachMessage'>;
  readonly files: DeliveredFiles;
  readonly logger: SlackLogger;
  readonly editIntervalMs: number;
  readonly resultsInThread: boolean;
  readonly now?: Clock;
}

export interface SurfaceTarget {
  readonly channelId: string;
  readonly requesterId: string;
  /** The commands layer's acknowledgement ("Queued: a fox", "Re-rolling: …"), the message's headline. */
  readonly ack: Reply;
  /** Whether images the safety checker flagged may be shown here. */
  readonly ageRestricted: boolean;
}

const PREVIEW_FILENAME = 'preview.png';
const REROLL_REACTION = 'repeat';
const MAX_ALT_TEXT = 1000;

export class SlackJobSurface implements JobObserver {
  readonly #throttle: EditThrottle;
  #jobId: string | undefined;
  #status: string | undefined;
  #preview: Uint8Array | undefined;
  #previewFileId: string | undefined;
  #ts: string | undefined;
  #finished = false;
  #resolveMessage: (ts: string | undefined) => void = () => undefined;
  readonly #message = new Promise<string | undefined>((resolve) => {
    this.#resolveMessage = resolve;
  });
  #resolveSettled: () => void = () => undefined;
  /** Resolves once the job's final state is in Slack (or could not be put there). */
  readonly settled = new Promise<void>((resolve) => {
    this.#resolveSettled = resolve;
  });

  constructor(
    private readonly deps: SurfaceDeps,
    private readonly target: SurfaceTarget,
  ) {
    this.#throttle = new EditThrottle(deps.editIntervalMs, deps.now);
  }

  /** The bot's message showing this job, once posted. */
  get messageTs(): string | undefined {
    return this.#ts;
  }

  /** Posts the bot's own message for the job. Throws when Slack refuses (for example not_in_channel). */
  async open(jobId: string, place: { readonly position: number; readonly etaMs: number }): Promise<string> {
    this.#jobId = jobId;
    this.#status ??= queuedReply(place.position, place.etaMs).text;
    const posted = this.#status;
    const message = this.#render(posted);
    try {
      const response = await this.deps.client.chat.postMessage({
        channel: this.target.channelId,
        text: message.text,
        blocks: [...message.blocks],
      });
      const ts = response.ts ?? '';
      this.#ts = ts;
      this.#throttle.holdFor(this.deps.editIntervalMs);
      this.#resolveMessage(ts);
      await this.#record(ts);
      // The job may have moved on while the message was being posted.
      if (this.#status !== posted) this.#scheduleEdit();
      return ts;
    } catch (error) {
      this.#resolveMessage(undefined);
      throw error;
    }
  }

  /** For a job that will never be shown here (it was refused, or its message could not be posted). */
  abandon(): void {
    this.#finished = true;
    this.#resolveMessage(undefined);
    void this.#throttle.close().then(this.#resolveSettled);
  }

  onQueued(position: number, etaMs: number): void {
    this.#setStatus(queuedReply(position, etaMs).text);
  }

  onPositionChange(position: number, etaMs: number): void {
    this.#setStatus(queuedReply(position, etaMs).text);
  }

  onStarted(): void {
    this.#setStatus(queuedReply(0, 0).text);
  }

  onProgress(step: number, total: number, preview?: Uint8Array, phase?: GenerationPhase): void {
    if (preview !== undefined) this.#preview = preview;
    this.#setStatus(progressReply({ step, total, ...(phase !== undefined ? { phase } : {}) }).text);
  }

  async onSucceeded(record: JobRecord, pngs: readonly Uint8Array[], details: JobSuccessDetails): Promise<void> {
    await this.#finish((ts) => this.#deliver(record, pngs, details, ts));
  }

  async onFailed(error: UserFacingError): Promise<void> {
    await this.#finish((ts) => this.#showFailure(error, ts));
  }

  #render(status: string): SlackMessage {
    return progressMessage(this.target.ack, status, this.target.requesterId);
  }

  #setStatus(status: string): void {
    if (this.#finished) return;
    this.#status = status;
    if (this.#ts !== undefined) this.#scheduleEdit();
  }

  #scheduleEdit(): void {
    this.#throttle.push(() => this.#editProgress());
  }

  async #editProgress(): Promise<void> {
    const ts = this.#ts;
    if (ts === undefined || this.#finished) return;
    const preview = this.#preview;
    this.#preview = undefined;
    try {
      if (preview !== undefined) await this.#showPreview(ts, preview);
      const message = this.#render(this.#status ?? '');
      // Space the edits themselves, however long the preview upload before it took.
      this.#throttle.holdFor(this.deps.editIntervalMs);
      await this.deps.previewClient.chat.update({ channel: this.target.channelId, ts, text: message.text, blocks: [...message.blocks] });
    } catch (error) {
      const info = slackErrorInfo(error);
      if (info.retryAfterMs !== undefined) this.#throttle.holdFor(info.retryAfterMs);
      this.deps.logger.debug({ jobId: this.#jobId, code: info.code, err: error }, 'slack: progress edit dropped');
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

  async #deleteFile(fileId: string): Promise<void> {
    try {
      await this.deps.client.files.delete({ file: fileId });
    } catch (error) {
      this.deps.logger.debug({ fileId, err: error }, 'slack: could not delete a preview file');
    }
  }

  async #finish(work: (ts: string | undefined) => Promise<void>): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    try {
      await this.#throttle.close();
      const ts = await this.#message;
      const preview = this.#previewFileId;
      this.#previewFileId = undefined;
      if (preview !== undefined) await this.#deleteFile(preview);
      await work(ts);
    } catch (error) {
      this.deps.logger.error({ jobId: this.#jobId, err: error }, 'slack: could not show the end of a job');
    } finally {
      this.#resolveSettled();
    }
  }

  async #deliver(record: JobRecord, pngs: readonly Uint8Array[], details: JobSuccessDetails, ts: string | undefined): Promise<void> {
    if (ts === undefined) return;
    const elapsedMs = details.timings?.totalMs ?? (record.finishedAt ?? 0) - (record.startedAt ?? record.createdAt);
    const reply = resultReply({
      jobId: record.jobId,
      request: record.request,
      images: record.images.map((image, index) => ({ ...image, ...(pngs[index] === undefined ? {} : { png: pngs[index] }) })),
      truncatedWords: details.truncatedWords,
      ...(details.loras === undefined ? {} : { loras: details.loras }),
      elapsedMs,
    });
    const shown = (reply.images ?? []).filter((image) => image.png !== undefined && (image.nsfw !== true || this.target.ageRestricted));
    const { channelId } = this.target;
    let fileIds: readonly string[] = [];
    let shareTs: readonly string[] = [];
    if (shown.length > 0) {
      const response = await this.deps.client.files.uploadV2({
        channel_id: channelId,
        ...(this.deps.resultsInThread ? { thread_ts: ts } : {}),
        initial_comment: resultCaption(reply),
        file_uploads: shown.map((image) => ({
          file: Buffer.from(image.png ?? new Uint8Array()),
          filename: image.filename,
          title: image.filename,
          alt_text: record.request.prompt.slice(0, MAX_ALT_TEXT),
        })),
      });
      ({ fileIds, shareTs } = uploadedFiles(response));
      this.deps.files.remember(record.jobId, fileIds);
    }
    const deleteIds = (reply.buttons ?? []).flat().filter((b) => parseActionId(b.id)?.kind === 'delete').map((b) => b.id);
    const final = renderReply(reply, {
      footer: requestedBy(this.target.requesterId),
      buttonValues: new Map(deleteIds.map((id) => [id, fileIds.join(',')])),
    });
    await this.deps.client.chat.update({ channel: channelId, ts, text: final.text, blocks: [...final.blocks] });
    if (shown.length > 0) await this.#offerRerollReaction(ts);
    for (const share of shareTs) await this.#record(share);
  }

  /** A 🔁 already on the result lets people re-roll with one click; the bot's own reaction is ignored. */
  async #offerRerollReaction(ts: string): Promise<void> {
    try {
      await this.deps.client.reactions.add({ channel: this.target.channelId, timestamp: ts, name: REROLL_REACTION });
    } catch (error) {
      this.deps.logger.debug({ err: error, code: slackErrorInfo(error).code }, 'slack: could not add the re-roll reaction');
    }
  }

  async #showFailure(error: UserFacingError, ts: string | undefined): Promise<void> {
    if (ts === undefined) return;
    const message = renderReply(errorReply(error), { footer: requestedBy(this.target.requesterId) });
    await this.deps.client.chat.update({ channel: this.target.channelId, ts, text: message.text, blocks: [...message.blocks] });
  }

  async #record(ts: string): Promise<void> {
    if (this.#jobId === undefined) return;
    try {
      await this.deps.jobs.attachMessage(this.#jobId, { platform: 'slack', channelId: this.target.channelId, messageId: ts });
    } catch (error) {
      this.deps.logger.warn({ jobId: this.#jobId, err: error }, 'slack: could not record the message of a job');
    }
  }
}
