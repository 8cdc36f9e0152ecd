// The port a chat platform implements so the one JobPresenter can show a job there: a thin
// surface per invocation that puts replies on screen and says how a failed call should be read.
// Wording, pacing, the NSFW policy and job linking live in the presenter, not here.
import type { FormView } from '../../commands/form.js';
import type { MessageRef } from '../../commands/job-record.js';
import type { Reply } from '../../commands/reply.js';

/** What a failed platform call means for the job. */
export interface SurfaceFailure {
  /** The job's message is gone or can never be posted: stop the job. */
  readonly gone: boolean;
  /** The platform asked to wait this long before the next call (a rate limit). */
  readonly retryAfterMs?: number;
}

export interface ChatSurface {
  /** The message that shows the job, once there is one. */
  readonly messageRef: MessageRef | undefined;
  /** Whether a flagged image can be blurred here (a spoiler); where not, it is withheld. */
  readonly canSpoil: boolean;
  /** When the message must be edited again to stay editable (Discord's interaction token); undefined when never. */
  readonly refreshDueAt?: number | undefined;
  /** The request was accepted: show `ack` where the job will be followed (or remember it). */
  acknowledge(ack: Reply): Promise<void>;
  /** An intermediate state (queue place, progress). The presenter paces the calls; a throw is read with `classify`. */
  show(reply: Reply): Promise<void>;
  /** The finished job, for everyone; returns the messages that show it (none when it could not be shown). */
  deliver(reply: Reply): Promise<readonly MessageRef[]>;
  /** A failure of a job the channel saw start; it replaces the job's message. */
  fail(reply: Reply): Promise<void>;
  /** Only the person who asked sees it (refusals, private answers); public replies go to the channel. */
  reply(reply: Reply): Promise<void>;
  /** Opens a form for the person who pressed the button (Remix); absent where the platform opens it before deferring. */
  openForm?(form: FormView): Promise<void>;
  /**
   * Whether the job's message shows a result's images already (posted by a process that then stopped).
   * Where absent (Slack, whose result is an upload and then an edit), `deliver` itself reuses what was posted.
   */
  showsResult?(): Promise<boolean>;
  /** Nothing will be shown: release whatever placeholder is waiting. */
  dismiss(): Promise<void>;
  classify(error: unknown): SurfaceFailure;
}
