// One job as the playground shows it: a bot message posted the moment the request is accepted,
// edited with its place in line and live previews (throttled, newest only), and finally turned
// into the images with their parameters and buttons, or into an error that says what happened.
import type { GenerationPhase } from '../../pipeline/types.js';
import type { JobRecord, MessageRef } from '../../commands/job-record.js';
import { REROLL_EMOJI } from '../../commands/reactions.js';
import { errorReply, progressReply, queuedReply, resultReply } from '../../commands/replies.js';
import type { Reply } from '../../commands/reply.js';
import type { UserFacingError } from '../../commands/user-facing-error.js';
import type { JobObserver, JobSuccessDetails } from '../core/job-observer.js';
import type { Logger } from '../core/logger.js';
import { EditThrottle } from './edit-throttle.js';
import type { PlaygroundImageStore } from './image-store.js';
import type { MessagePatch, PlaygroundChannel } from './playground-channel.js';
import { renderReply } from './render-reply.js';
import { BOT_AUTHOR, messageRef } from './playground-identity.js';

export interface SurfaceDeps {
  readonly channel: PlaygroundChannel;
  readonly images: PlaygroundImageStore;
  readonly logger: Logger;
  /** At most one progress edit per interval (PLAYGROUND_EDIT_INTERVAL_MS). */
  readonly editIntervalMs: number;
  readonly now?: () => number;
}

export interface SurfaceTarget {
  /** The line above the message, e.g. "ann used /imagine a fox". */
  readonly replyTo: string;
  readonly ageRestricted: boolean;
}

export class PlaygroundChatSurface implements JobObserver {
  private readonly throttle: EditThrottle;
  private readonly now: () => number;
  private messageId: string | undefined;
  private jobId: string | undefined;
  private heading = '';
  private preview: Uint8Array | undefined;
  private finished = false;

  constructor(
    private readonly deps: SurfaceDeps,
    private readonly target: SurfaceTarget,
  ) {
    this.now = deps.now ?? Date.now;
    this.throttle = new EditThrottle(deps.editIntervalMs, this.now);
  }

  /** Posts the job's message at once, before anything is queued, and says where it is. */
  acknowledge(ack: Reply): MessageRef {
    this.heading = ack.text;
    const message = this.deps.channel.post({
      author: BOT_AUTHOR,
      replyTo: this.target.replyTo,
      text: ack.text,
      tone: 'pending',
    });
    this.messageId = message.id;
    return messageRef(message.id);
  }

  /** Takes over a message posted before a restart, for the job it shows. */
  resume(messageId: string, heading: string, jobId: string): void {
    this.messageId = messageId;
    this.heading = heading;
    this.jobId = jobId;
  }

  /** The job behind the message, once the job service accepted it. */
  showsJob(jobId: string): void {
    this.jobId = jobId;
    if (!this.finished) this.edit({ jobId });
  }

  onQueued(position: number, etaMs: number): void {
    this.showStatus(queuedReply(position, etaMs));
  }

  onPositionChange(position: number, etaMs: number): void {
    this.showStatus(queuedReply(position, etaMs));
  }

  onStarted(): void {
    this.showStatus(queuedReply(0, 0));
  }

  onProgress(step: number, total: number, preview?: Uint8Array, phase?: GenerationPhase): void {
    // Previews come every few steps; the steps between keep showing the last one.
    if (preview !== undefined) this.preview = preview;
    const latest = this.preview;
    this.showStatus(progressReply({ step, total, ...(latest === undefined ? {} : { preview: latest }), ...(phase === undefined ? {} : { phase }) }));
  }

  async onSucceeded(record: JobRecord, pngs: readonly Uint8Array[], details: JobSuccessDetails): Promise<void> {
    if (!this.finish()) return;
    const startedAt = record.startedAt ?? record.createdAt;
    const reply = resultReply({
      jobId: record.jobId,
      request: record.request,
      images: record.images.map((image, index) => ({ ...image, ...optionalPng(pngs[index]) })),
      truncatedWords: details.truncatedWords,
      ...(details.loras === undefined ? {} : { loras: details.loras }),
      elapsedMs: (record.finishedAt ?? this.now()) - startedAt,
    });
    const rendered = await renderReply(reply, { images: this.deps.images, ageRestricted: this.target.ageRestricted });
    this.edit({ ...rendered, preview: undefined, jobId: record.jobId });
  }

  async onFailed(error: UserFacingError): Promise<void> {
    if (!this.finish()) return;
    const reply = errorReply(error);
    const rendered = await renderReply(reply, { images: this.deps.images, ageRestricted: this.target.ageRestricted });
    this.edit({
      ...rendered,
      text: joinLines(this.heading, rendered.text),
      preview: undefined,
      // The stored record lets 🔄 run the request again, as it does on a result.
      reactionControls: this.jobId === undefined ? [] : [REROLL_EMOJI],
    });
  }

  private showStatus(status: Reply): void {
    if (this.finished) return;
    this.throttle.push(() => {
      void renderReply(status, { images: this.deps.images, ageRestricted: this.target.ageRestricted })
        .then((rendered) => {
          // A result or failure may have arrived while this rendered: it wins.
          if (!this.finished) this.edit({ ...rendered, text: joinLines(this.heading, rendered.text) });
        })
        .catch((error: unknown) => this.deps.logger.warn({ err: error, jobId: this.jobId }, 'playground: progress edit dropped'));
    });
  }

  /** Marks the job over; false when it already was (a late duplicate ending). */
  private finish(): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.throttle.cancel();
    return true;
  }

  private edit(patch: MessagePatch): void {
    if (this.messageId !== undefined) this.deps.channel.edit(this.messageId, patch);
  }
}

function joinLines(first: string, second: string): string {
  return [first, second].filter((line) => line !== '').join('\n');
}

function optionalPng(png: Uint8Array | undefined): { png?: Uint8Array } {
  return png === undefined ? {} : { png };
}
