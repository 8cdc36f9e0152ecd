// The presenter for a job taken up again after a restart, on a surface already bound to the
// message that showed it: the same presenter a new job gets, told the job is under way.
import type { JobRecord } from '../../commands/job-record.js';
import { ackReply } from '../../commands/replies.js';
import type { ChatSurface } from './chat-surface.js';
import { type JobLinks, JobPresenter } from './job-presenter.js';
import type { Logger } from './logger.js';
import type { NsfwPolicy } from './nsfw-policy.js';

export interface ResumedPresenterOptions {
  readonly jobs: JobLinks;
  readonly editIntervalMs: number;
  readonly nsfwPolicy: NsfwPolicy;
  readonly logger: Logger;
  readonly logContext: Readonly<Record<string, unknown>>;
  /** The headline the message led with before the restart; the request's acknowledgement otherwise. */
  readonly headline?: string;
}

export function resumedPresenter(record: JobRecord, surface: ChatSurface, options: ResumedPresenterOptions): JobPresenter {
  const presenter = new JobPresenter({
    surface,
    jobs: options.jobs,
    editIntervalMs: options.editIntervalMs,
    nsfwPolicy: options.nsfwPolicy,
    ageRestricted: record.requester.ageRestrictedChannel,
    logger: options.logger,
    logContext: options.logContext,
  });
  presenter.resume(record.jobId, options.headline ?? ackReply(record.request).text);
  return presenter;
}
