// Follows one job on any chat surface: the wording of every state (through the commands layer's
// replies), the pace of progress edits (one throttle, newest state only), one rule for the time
// shown, the NSFW policy, pairing the PNGs with the record, and linking the job's message to the
// job as soon as it exists, so 🔄 and buttons find it even if no result ever arrives.
import type { JobRecord, MessageRef } from '../../commands/job-record.js';
import { messages } from '../../commands/messages.js';
import { errorReply, progressReply, queuedReply, restartedReply, resultReply } from '../../commands/replies.js';
import type { Reply, ReplyImage } from '../../commands/reply.js';
import { resultButtons } from '../../commands/result-buttons.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { GenerationPhase } from '../../pipeline/types.js';
import type { ChatSurface } from './chat-surface.js';
import type { JobObserver, JobSuccessDetails } from './job-observer.js';
import type { Logger } from './logger.js';
import { nsfwVisibility, type NsfwPolicy } from './nsfw-policy.js';
import { ProgressThrottle } from './progress-throttle.js';

/** What the presenter asks of the job core. */
export interface JobLinks {
  /** Remembers that `ref` shows `jobId`, so 🔄 and buttons find it after a restart. */
  attachMessage(jobId: string, ref: MessageRef): Promise<unknown>;
  /** Stops a job whose message is gone. */
  cancel(jobId: string): Promise<unknown>;
}

/** Logged with the job id when a job stops because its message is gone or could not be posted. */
export const JOB_MESSAGE_GONE = 'the job message is gone; cancelling the job';

export interface JobPresenterOptions {
  readonly surface: ChatSurface;
  readonly jobs: JobLinks;
  /** Least time between two progress edits of the message. */
  readonly editIntervalMs: number;
  readonly nsfwPolicy: NsfwPolicy;
  /** Whether flagged images may be shown where this job runs. */
  readonly ageRestricted: boolean;
  readonly logger: Logger;
  /** Added to every log line (user, channel, job). */
  readonly logContext?: Readonly<Record<string, unknown>>;
}

export interface Accepted {
  readonly jobId: string;
  /** 1-based place in line; 0 when it started at once. */
  readonly position: number;
  readonly etaMs: number;
}

export class JobPresenter implements JobObserver {
  private readonly throttle: ProgressThrottle<Reply>;
  private readonly linked = new Set<string>();
  private jobId: string | undefined;
  private headline: string | undefined;
  /** Newest state, kept until the job is accepted (the surface may have no message before). */
  private latest: Reply | undefined;
  private accepted = false;
  /** A preview offered but not shown yet: a later step without one must not drop it. */
  private unshownPreview: Uint8Array | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private gone = false;
  /** Why the job runs again from the start, once it has. */
  private restartReason: 'stalled' | 'restart' | undefined;
  /** The restart note, until it has been on screen once: the next run's steps wait behind it. */
  private restartNotice: Reply | undefined;
  private resolveAccepted: () => void = () => undefined;
  /** The end of a fast job waits for its first message, so it replaces that message instead of racing it. */
  private readonly acceptance = new Promise<void>((resolve) => {
    this.resolveAccepted = resolve;
  });
  private resolveSettled: () => void = () => undefined;
  /** Resolves once the job's last state is on screen (or could not be put there). */
  readonly settled = new Promise<void>((resolve) => {
    this.resolveSettled = resolve;
  });

  constructor(private readonly options: JobPresenterOptions) {
    this.throttle = new ProgressThrottle<Reply>({
      intervalMs: options.editIntervalMs,
      send: (reply) => this.showNow(reply),
      onError: (error) => this.onShowFailed(error),
    });
  }

  /** Shows the acknowledgement at once, before the job service has answered. */
  async acknowledge(ack: Reply): Promise<void> {
    this.headline = ack.text;
    try {
      await this.options.surface.acknowledge(ack);
    } catch (error) {
      this.onShowFailed(error);
    }
    // Where that put a message on screen, the next edit waits its turn like any other.
    if (this.options.surface.messageRef !== undefined) this.throttle.holdFor(this.options.editIntervalMs);
  }

  /** The job service took the job: link its message and show its place. */
  async accept(submission: Accepted): Promise<void> {
    this.jobId = submission.jobId;
    try {
      await this.showFirst(submission);
    } finally {
      // From here on states go through the throttle; before, they only wait as `latest`.
      this.accepted = true;
      this.resolveAccepted();
    }
  }

  private async showFirst(submission: Accepted): Promise<void> {
    if (this.gone) await this.cancel();
    if (this.finished || this.gone) return;
    const first = this.latest ?? this.status(queuedReply(submission.position, submission.etaMs));
    this.latest = first;
    if (this.options.surface.messageRef !== undefined) {
      // The acknowledgement is on screen already: link it now, and let the place in line follow at its pace.
      await this.link(this.options.surface.messageRef);
      this.throttle.offer(this.latest);
      return;
    }
    // No message yet (Slack posts one only for an accepted job): post it now, then pace what follows.
    try {
      await this.showNow(first);
    } catch (error) {
      this.onShowFailed(error);
    }
    if (this.gone) return;
    // States that arrived while the message was being posted follow it, an interval later.
    this.throttle.holdFor(this.options.editIntervalMs);
    if (this.latest !== first) this.throttle.offer(this.latest);
  }

  /**
   * A job kept across a restart, shown by a message the surface has taken over: it goes on from
   * there (its place, progress, result) under the same headline.
   */
  resume(jobId: string, headline: string): void {
    this.jobId = jobId;
    this.headline = headline;
    this.accepted = true;
    this.resolveAccepted();
    void this.link(this.options.surface.messageRef);
  }

  /** The job service refused, or the request failed before it became a job: tell the requester privately. */
  async refuse(error: unknown): Promise<void> {
    if (!UserFacingError.is(error)) this.options.logger.error({ ...this.options.logContext, err: error }, 'could not submit the job');
    const refusal = UserFacingError.is(error) ? error : new UserFacingError('generation_failed', '');
    this.resolveAccepted();
    await this.end(async () => {
      await this.options.surface.reply({ ...errorReply(refusal), ephemeral: true });
    });
  }

  onQueued(position: number, etaMs: number): void {
    this.update(queuedReply(position, etaMs));
  }

  onPositionChange(position: number, etaMs: number): void {
    this.update(queuedReply(position, etaMs));
  }

  onRestarted(_attempt: number, reason: 'stalled' | 'restart'): void {
    this.restartReason = reason;
    this.update(restartedReply(reason));
    this.restartNotice = this.latest;
  }

  onStarted(): void {
    // After a restart the note stays until the first step of the new run replaces it.
    this.update(this.restartReason === undefined ? queuedReply(0, 0) : restartedReply(this.restartReason));
    if (this.restartReason !== undefined && this.restartNotice !== undefined) this.restartNotice = this.latest;
    // Linked when it starts at the latest, so a message that never gets its result still re-rolls.
    void this.link(this.options.surface.messageRef);
  }

  onProgress(step: number, total: number, preview?: Uint8Array, phase?: GenerationPhase): void {
    if (preview !== undefined) this.unshownPreview = preview;
    // Newest-only pacing would let the first steps of the new run hide why it started over.
    if (this.restartNotice !== undefined) return;
    const shown = this.unshownPreview;
    this.update(progressReply({ step, total, ...(shown === undefined ? {} : { preview: shown }), ...(phase === undefined ? {} : { phase }) }));
  }

  async onSucceeded(record: JobRecord, pngs: readonly Uint8Array[], details: JobSuccessDetails): Promise<void> {
    const reply = resultReply({
      jobId: record.jobId,
      request: record.request,
      images: record.images.map((image, index) => ({ ...image, ...optionalPng(pngs[index]) })),
      truncatedWords: details.truncatedWords,
      ...(details.loras === undefined ? {} : { loras: details.loras }),
      ...optionalElapsed(elapsedMs(record, details)),
    });
    await this.acceptance;
    await this.end(async () => {
      if (this.gone) return;
      const refs = await this.options.surface.deliver(this.withNsfwPolicy(reply));
      for (const ref of refs) await this.link(ref);
    });
  }

  async onFailed(error: UserFacingError): Promise<void> {
    await this.acceptance;
    await this.end(async () => {
      if (this.gone) return;
      await this.options.surface.fail(this.failureReply(error));
    });
  }

  async showsEnding(): Promise<boolean> {
    return (await this.options.surface.showsResult?.()) === true;
  }

  /** The job's message was deleted (a platform event): stop the job. */
  messageGone(): void {
    if (this.gone || this.finished) return;
    this.gone = true;
    void this.throttle.close();
    void this.cancel();
  }

  private update(reply: Reply): void {
    if (this.finished) return;
    const titled = this.status(reply);
    this.latest = titled;
    if (this.accepted) this.throttle.offer(titled);
  }

  private status(reply: Reply): Reply {
    return this.headline === undefined ? reply : { ...reply, title: this.headline };
  }

  private async showNow(reply: Reply): Promise<void> {
    if (this.finished || this.gone) return;
    await this.options.surface.show(reply);
    if (reply === this.restartNotice) this.restartNotice = undefined;
    const shownPreview = reply.images?.[0]?.png;
    if (shownPreview !== undefined && shownPreview === this.unshownPreview) this.unshownPreview = undefined;
    await this.link(this.options.surface.messageRef);
    this.scheduleRefresh();
  }

  private onShowFailed(error: unknown): void {
    const failure = this.options.surface.classify(error);
    if (failure.retryAfterMs !== undefined) this.throttle.holdFor(failure.retryAfterMs);
    if (failure.gone) {
      this.messageGone();
      return;
    }
    this.options.logger.warn({ ...this.options.logContext, err: error }, 'progress edit failed; the job goes on');
  }

  /** A surface whose message must be edited by a deadline (Discord's token) gets the latest state again then. */
  private scheduleRefresh(): void {
    const due = this.options.surface.refreshDueAt;
    if (due === undefined || this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.latest !== undefined) this.throttle.offer(this.latest);
    }, Math.max(0, due - Date.now()));
    this.refreshTimer.unref();
  }

  private async end(show: () => Promise<void>): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.refreshTimer);
    try {
      await this.throttle.close();
      await show();
    } catch (error) {
      this.options.logger.error({ ...this.options.logContext, jobId: this.jobId, err: error }, 'could not show the end of a job');
    } finally {
      this.resolveSettled();
    }
  }

  private failureReply(error: UserFacingError): Reply {
    const reply = errorReply(error);
    const jobId = this.jobId ?? error.details.jobId;
    // The stored record lets Re-roll (or 🔄) run the request again, as it does on a result.
    const buttons = jobId === undefined || error.code === 'cancelled' ? [] : resultButtons(jobId, 'imagine', 0);
    return { ...this.status(reply), ephemeral: false, buttons };
  }

  private withNsfwPolicy(reply: Reply): Reply {
    const { nsfwPolicy, ageRestricted, surface } = this.options;
    const images = reply.images ?? [];
    const notes: string[] = [];
    const shown = images.map((image, index): ReplyImage => {
      const visibility = nsfwVisibility(image.nsfw === true, ageRestricted, nsfwPolicy, surface.canSpoil);
      if (visibility === 'show') return { ...image, nsfw: false };
      if (visibility === 'spoiler') return image;
      notes.push(messages.result.withheld(images.length > 1 ? `Image ${index + 1}` : 'The image'));
      const { png: _withheld, ...rest } = image;
      return rest;
    });
    return { ...reply, text: [reply.text, ...notes].join('\n'), images: shown };
  }

  private async link(ref: MessageRef | undefined): Promise<void> {
    const jobId = this.jobId;
    if (ref === undefined || jobId === undefined) return;
    const key = `${ref.channelId}:${ref.messageId}`;
    if (this.linked.has(key)) return;
    this.linked.add(key);
    try {
      await this.options.jobs.attachMessage(jobId, ref);
    } catch (error) {
      // The job still runs and shows its result; only a re-roll after a restart would miss it.
      this.linked.delete(key);
      this.options.logger.warn({ ...this.options.logContext, jobId, err: error }, 'could not record the message of a job');
    }
  }

  private async cancel(): Promise<void> {
    if (this.jobId === undefined) return;
    this.options.logger.info({ ...this.options.logContext, jobId: this.jobId }, JOB_MESSAGE_GONE);
    await this.options.jobs.cancel(this.jobId).catch((error: unknown) => {
      this.options.logger.warn({ ...this.options.logContext, jobId: this.jobId, err: error }, 'could not cancel the job');
    });
  }
}

/** The time shown under a result: from when the job started to when it finished, as the user waited for it. */
export function elapsedMs(record: JobRecord, details: JobSuccessDetails): number | undefined {
  if (record.startedAt !== undefined && record.finishedAt !== undefined) return record.finishedAt - record.startedAt;
  return details.timings?.totalMs;
}

function optionalElapsed(ms: number | undefined): { elapsedMs?: number } {
  return ms === undefined ? {} : { elapsedMs: ms };
}

function optionalPng(png: Uint8Array | undefined): { png?: Uint8Array } {
  return png === undefined ? {} : { png };
}
