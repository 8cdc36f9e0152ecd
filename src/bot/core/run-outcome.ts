// Carries out what the commands layer decided, on any chat surface: start a job and follow it
// (through a JobPresenter), answer (privately when it is a refusal), delete a result's messages,
// or stay silent. Whatever goes wrong unexpectedly is logged in full and answered with one short
// private message, on every platform and for every kind of event.
import type { CommandOutcome } from '../../commands/command-outcome.js';
import type { GenerateRequest, Requester } from '../../commands/generate-request.js';
import { errorReply } from '../../commands/replies.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { ChatSurface } from './chat-surface.js';
import type { JobObserver } from './job-observer.js';
import { type Accepted, type JobLinks, JobPresenter } from './job-presenter.js';
import type { LiveJobs } from './live-jobs.js';
import type { Logger } from './logger.js';
import type { NsfwPolicy } from './nsfw-policy.js';

export type DeleteOutcome = Extract<CommandOutcome, { kind: 'delete' }>;

/** The job core as adapters reach it. */
export interface JobIntake extends JobLinks {
  /** Queues a job; rejects with a UserFacingError when it must be refused. */
  submit(request: GenerateRequest, requester: Requester, observer: JobObserver): Promise<Accepted>;
}

export interface OutcomeDeps {
  readonly jobs: JobIntake;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  readonly nsfwPolicy: NsfwPolicy;
  readonly live: LiveJobs;
}

export interface OutcomeTarget {
  readonly surface: ChatSurface;
  /** Added to every log line (user, channel, event). */
  readonly logContext: Readonly<Record<string, unknown>>;
  /** Removes a deleted result's messages (and files) from the platform. */
  deleteResult(outcome: DeleteOutcome): Promise<void>;
  /** False for reactions: a "Deleted." notice would only add noise. */
  readonly confirmDeletes: boolean;
}

/** Decides (through the commands layer) and carries the outcome out; never throws. */
export async function respond(decide: () => Promise<CommandOutcome>, target: OutcomeTarget, deps: OutcomeDeps): Promise<void> {
  try {
    await runOutcome(await decide(), target, deps);
  } catch (error) {
    deps.logger.error({ ...target.logContext, err: error }, 'handling an event failed');
    const reply = errorReply(new UserFacingError('generation_failed', ''));
    await target.surface.reply({ ...reply, ephemeral: true }).catch((replyError: unknown) => {
      deps.logger.warn({ ...target.logContext, err: replyError }, 'could not tell the user something went wrong');
    });
  }
}

export async function runOutcome(outcome: CommandOutcome, target: OutcomeTarget, deps: OutcomeDeps): Promise<void> {
  switch (outcome.kind) {
    case 'ignore':
      await target.surface.dismiss();
      return;
    case 'reply':
      await target.surface.reply(outcome.reply);
      return;
    case 'form':
      if (target.surface.openForm === undefined) await target.surface.dismiss();
      else await target.surface.openForm(outcome.form);
      return;
    case 'delete':
      await target.deleteResult(outcome).catch((error: unknown) => {
        deps.logger.warn({ ...target.logContext, err: error, jobId: outcome.jobId }, 'could not delete a result');
      });
      if (target.confirmDeletes) await target.surface.reply(outcome.reply);
      else await target.surface.dismiss();
      return;
    case 'generate':
      await startJob(outcome, target, deps);
      return;
  }
}

async function startJob(outcome: Extract<CommandOutcome, { kind: 'generate' }>, target: OutcomeTarget, deps: OutcomeDeps): Promise<void> {
  const here = outcome.request.nsfwPolicy;
  const presenter = new JobPresenter({
    surface: target.surface,
    jobs: deps.jobs,
    editIntervalMs: deps.editIntervalMs,
    // A server or channel may set its own policy; `allow` shows flagged images as an age-restricted channel does.
    nsfwPolicy: here === undefined || here === 'allow' ? deps.nsfwPolicy : here,
    ageRestricted: outcome.requester.ageRestrictedChannel || here === 'allow',
    logger: deps.logger,
    logContext: target.logContext,
  });
  deps.live.add(presenter, target.surface);
  await presenter.acknowledge(outcome.ack);
  let accepted: Accepted;
  try {
    accepted = await deps.jobs.submit(outcome.request, outcome.requester, presenter);
  } catch (error) {
    await presenter.refuse(error);
    return;
  }
  await presenter.accept(accepted);
}
