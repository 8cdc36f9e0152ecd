// Follows one job on Discord: queue position, throttled progress with the latest preview, and
// the final message with images, parameters and buttons. Progress failures are logged and never
// fail the job; a deleted message cancels it; the final delivery is retried on 5xx and 429.
import type { GenerationPhase } from '../../pipeline/types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRecord, MessageRef } from '../../commands/job-record.js';
import { errorReply, progressReply, queuedReply, restartedReply, resultReply } from '../../commands/replies.js';
import type { Reply } from '../../commands/reply.js';
import type { UserFacingError } from '../../commands/user-facing-error.js';
import type { JobObserver, JobSuccessDetails } from '../core/job-observer.js';
import type { Logger } from '../core/logger.js';
import { classifyDiscordFailure } from './discord-failure.js';
import type { DiscordJobMessage } from './job-message.js';
import { LatestOnlySender } from './latest-only-sender.js';
import { renderReply } from './render-reply.js';
import type { ResultFilesOptions } from './result-files.js';

const DEFAULT_RETRY_BASE_DELAY_MS = 1000;

export interface DiscordChatSurfaceOptions {
  readonly editIntervalMs: number;
  /** Tries for the final message when Discord answers 5xx or 429. */
  readonly deliveryAttempts: number;
  /** First wait between delivery tries; doubles each time. */
  readonly retryBaseDelayMs?: number;
  readonly files: ResultFilesOptions;
  readonly logger: Logger;
  /** Added to every log line (user, channel, job). */
  readonly logContext: Readonly<Record<string, unknown>>;
  /** Shown above queue and progress states, so the prompt stays in view (bold). */
  readonly title?: string;
}

export interface DiscordChatSurfaceHooks {
  /** The job's message was deleted: stop the job. */
  readonly onMessageGone: () => void;
  /** The final message shows the job: remember it for 🔄 and buttons. */
  readonly onDelivered: (ref: MessageRef) => Promise<void>;
  /** The bot may not post where it has to; tell the requester. */
  readonly onMissingPermissions: (error: unknown) => Promise<void>;
  /** Nothing more will be shown. */
  readonly onClosed: () => void;
}

export class DiscordChatSurface implements JobObserver {
  private readonly sender: LatestOnlySender<Reply>;
  private latest: Reply | undefined;
  private restartReason: 'stalled' | 'restart' | undefined;
  /** A preview offered but not sent yet: a later step without a preview must not drop it. */
  private unsentPreview: Reply['images'];
  private switchTimer: NodeJS.Timeout | undefined;
  private gone = false;
  private finished = false;
  private permissionsReported = false;

  constructor(
    private readonly message: DiscordJobMessage,
    private readonly options: DiscordChatSurfaceOptions,
    private readonly hooks: DiscordChatSurfaceHooks,
  ) {
    this.sender = new LatestOnlySender({
      intervalMs: options.editIntervalMs,
      send: async (reply) => {
        if (reply.images !== undefined && reply.images === this.unsentPreview) this.unsentPreview = undefined;
        await this.message.show(await renderReply(reply, this.options.files));
      },
      onError: (error) => void this.onProgressError(error),
    });
  }

  /** Shows an intermediate state (acknowledgement, queue place, progress), throttled. */
  show(reply: Reply): void {
    if (this.finished) return;
    const titled = reply.kind !== 'ack' && reply.title === undefined && this.options.title !== undefined ? { ...reply, title: this.options.title } : reply;
    this.latest = titled;
    if (titled.images !== undefined) this.unsentPreview = titled.images;
    this.sender.offer(titled);
    this.scheduleSwitch();
  }

  onQueued(position: number, etaMs: number): void {
    this.show(queuedReply(position, etaMs));
  }

  onPositionChange(position: number, etaMs: number): void {
    this.show(queuedReply(position, etaMs));
  }

  onStarted(): void {
    // After a restart the note stays until the first step of the new run replaces it.
    this.show(this.restartReason === undefined ? queuedReply(0, 0) : restartedReply(this.restartReason));
  }

  onRestarted(_attempt: number, reason: 'stalled' | 'restart'): void {
    this.restartReason = reason;
    this.show(restartedReply(reason));
  }

  onProgress(step: number, total: number, preview?: Uint8Array, phase?: GenerationPhase): void {
    const reply = progressReply({ step, total, ...(preview !== undefined ? { preview } : {}), ...(phase !== undefined ? { phase } : {}) });
    // A step without a preview keeps the one on screen; it must not drop one still waiting to go out.
    const carried = preview === undefined ? this.unsentPreview : undefined;
    this.show(carried !== undefined ? { ...reply, images: carried } : reply);
  }

  async onSucceeded(record: JobRecord, pngs: readonly Uint8Array[], details: JobSuccessDetails): Promise<void> {
    const reply = resultReply({
      jobId: record.jobId,
      request: record.request,
      images: record.images.map((image, index) => ({ ...image, ...(pngs[index] !== undefined ? { png: pngs[index] } : {}) })),
      truncatedWords: details.truncatedWords,
      ...(details.loras === undefined ? {} : { loras: details.loras }),
      ...(record.startedAt !== undefined && record.finishedAt !== undefined ? { elapsedMs: record.finishedAt - record.startedAt } : {}),
    });
    const ref = await this.finish(reply);
    if (ref !== undefined) await this.hooks.onDelivered(ref).catch((error: unknown) => this.log('warn', error, 'could not record the result message'));
  }

  async onFailed(error: UserFacingError): Promise<void> {
    await this.finish(errorReply(error));
  }

  /** A MESSAGE_DELETE arrived: if it was this job's message, stop the job. */
  messageDeleted(messageId: string): void {
    if (this.message.isShownIn(messageId)) this.markGone();
  }

  /**
   * Shows the last state of the job (or a refusal) with retries, once. Ephemeral replies go to the
   * requester alone. Returns the message that shows it, when public.
   */
  async finish(reply: Reply): Promise<MessageRef | undefined> {
    if (this.finished) return undefined;
    this.finished = true;
    if (this.switchTimer !== undefined) clearTimeout(this.switchTimer);
    await this.sender.close();
    try {
      if (this.gone) return undefined;
      const content = await renderReply(reply, this.options.files);
      return await this.deliver(async () => {
        if (!reply.ephemeral) return this.message.show(content);
        await this.message.showPrivately(content);
        return undefined;
      });
    } finally {
      this.hooks.onClosed();
    }
  }

  private async deliver(attempt: () => Promise<MessageRef | undefined>): Promise<MessageRef | undefined> {
    const baseDelay = this.options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        const kind = classifyDiscordFailure(error);
        if (kind === 'retryable' && tries < this.options.deliveryAttempts) {
          this.log('warn', error, `final message failed (try ${tries} of ${this.options.deliveryAttempts}); retrying`);
          await sleep(baseDelay * 2 ** (tries - 1));
          continue;
        }
        if (kind === 'message_gone') this.markGone();
        else if (kind === 'missing_permissions') await this.reportMissingPermissions(error);
        else this.log('error', error, 'could not deliver the final message');
        return undefined;
      }
    }
  }

  private async onProgressError(error: unknown): Promise<void> {
    switch (classifyDiscordFailure(error)) {
      case 'message_gone':
        this.markGone();
        return;
      case 'missing_permissions':
        await this.reportMissingPermissions(error);
        return;
      default:
        this.log('warn', error, 'progress edit failed; the job goes on');
    }
  }

  private async reportMissingPermissions(error: unknown): Promise<void> {
    if (this.permissionsReported) return;
    this.permissionsReported = true;
    await this.hooks.onMissingPermissions(error).catch((reportError: unknown) => this.log('warn', reportError, 'could not report missing permissions'));
  }

  private markGone(): void {
    if (this.gone) return;
    this.gone = true;
    void this.sender.close();
    if (this.switchTimer !== undefined) clearTimeout(this.switchTimer);
    if (!this.finished) this.hooks.onMessageGone();
  }

  /** Without an edit near the deadline the token would expire unused: re-show the latest state then. */
  private scheduleSwitch(): void {
    const due = this.message.switchDueAt;
    if (due === undefined || this.switchTimer !== undefined) return;
    this.switchTimer = setTimeout(() => {
      this.switchTimer = undefined;
      if (!this.finished && !this.gone && this.latest) this.sender.offer(this.latest);
    }, Math.max(0, due - Date.now()));
    this.switchTimer.unref();
  }

  private log(level: 'warn' | 'error', error: unknown, text: string): void {
    this.options.logger[level]({ ...this.options.logContext, err: error }, text);
  }
}
