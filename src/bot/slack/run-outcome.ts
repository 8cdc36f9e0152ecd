// Carries out what a command or an action asked for (the commands layer's CommandOutcome): answer
// privately, delete a result, or submit a job and give it its own message in the channel.
import type { webApi } from '@slack/bolt';
import type { CommandOutcome } from '../../commands/command-outcome.js';
import { errorReply, queuedReply } from '../../commands/replies.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { JobService, Submission } from '../core/job-service.js';
import type { ChannelAccess } from './channel-access.js';
import type { DeliveredFiles } from './delivered-files.js';
import { notifyUser } from './notify-user.js';
import { replyToMrkdwn } from './render-reply.js';
import { NO_ACCESS_CODES, slackErrorInfo } from './slack-error.js';
import type { SlackJobSurface } from './slack-job-surface.js';
import type { SlackLogger } from './slack-logger.js';
import { accessProblemText, type AccessProblem } from './slack-messages.js';
import type { SurfaceFactory } from './surface-factory.js';

export type SlackJobs = Pick<JobService, 'submit' | 'attachMessage' | 'cancel'>;

export interface OutcomeDeps {
  readonly client: webApi.WebClient;
  readonly logger: SlackLogger;
  readonly jobs: SlackJobs;
  readonly surfaces: SurfaceFactory;
  readonly files: DeliveredFiles;
  readonly access: Pick<ChannelAccess, 'check'>;
  readonly botUserId: () => string;
}

export interface OutcomeContext {
  readonly channelId: string;
  readonly userId: string;
  /** The slash command's channel_name, which tells DMs apart; undefined for buttons and reactions. */
  readonly channelName?: string;
  /** Slash commands check first whether the bot can post there; buttons sit on its own messages. */
  readonly checkAccess: boolean;
  /** Tells the person who asked, privately: the slash ack, or an ephemeral message. */
  answer(text: string): Promise<void>;
  /** Whether a queued job is announced through `answer` (the slash ack must say something). */
  readonly announceQueued: boolean;
  /** File ids a Delete button carried. */
  readonly fileIds?: readonly string[];
}

function problemFor(code: string, channelId: string): AccessProblem {
  if (code === 'not_in_channel') return 'not_member';
  return channelId.startsWith('D') ? 'direct_message' : 'private_channel';
}

export async function runOutcome(deps: OutcomeDeps, context: OutcomeContext, outcome: CommandOutcome): Promise<void> {
  switch (outcome.kind) {
    case 'ignore':
      return;
    case 'reply':
      await context.answer(replyToMrkdwn(outcome.reply));
      return;
    case 'delete':
      await deleteResult(deps, outcome, context.fileIds ?? []);
      await context.answer(replyToMrkdwn(outcome.reply));
      return;
    case 'generate':
      await generate(deps, context, outcome);
      return;
  }
}

async function generate(deps: OutcomeDeps, context: OutcomeContext, outcome: Extract<CommandOutcome, { kind: 'generate' }>): Promise<void> {
  if (context.checkAccess) {
    const access = await deps.access.check(context.channelId, context.channelName);
    if (!access.ok) {
      await context.answer(accessProblemText(access.problem, deps.botUserId(), access.channelName));
      return;
    }
  }
  const surface = deps.surfaces.create({
    channelId: context.channelId,
    requesterId: context.userId,
    ack: outcome.ack,
    ageRestricted: outcome.requester.ageRestrictedChannel,
  });
  let submission: Submission;
  try {
    submission = await deps.jobs.submit(outcome.request, outcome.requester, surface);
  } catch (error) {
    surface.abandon();
    if (!UserFacingError.is(error)) throw error;
    await context.answer(replyToMrkdwn(errorReply(error)));
    return;
  }
  if (context.announceQueued) {
    await context.answer(`${replyToMrkdwn(outcome.ack)}\n${queuedReply(submission.position, submission.etaMs).text}`);
  }
  await openMessage(deps, context, surface, submission);
}

/** Posts the job's message; if Slack will not take it, the job is cancelled and the user told why. */
async function openMessage(
  deps: OutcomeDeps,
  context: OutcomeContext,
  surface: SlackJobSurface,
  submission: Submission,
): Promise<void> {
  try {
    await surface.open(submission.jobId, submission);
  } catch (error) {
    surface.abandon();
    const code = slackErrorInfo(error).code ?? 'unknown_error';
    deps.logger.warn({ err: error, code, jobId: submission.jobId }, 'slack: could not post the job message; cancelling');
    await deps.jobs.cancel(submission.jobId).catch((cancelError: unknown) => {
      deps.logger.warn({ err: cancelError, jobId: submission.jobId }, 'slack: cancel failed');
    });
    const text = NO_ACCESS_CODES.includes(code)
      ? accessProblemText(problemFor(code, context.channelId), deps.botUserId())
      : `I couldn't post in this channel (Slack said \`${code}\`), so I cancelled your request. Please try again in a moment.`;
    await notifyUser(deps.client, deps.logger, { channelId: context.channelId, userId: context.userId }, text);
  }
}

/** Removes the result's files (which takes their messages with them) and the bot's messages. */
async function deleteResult(
  deps: OutcomeDeps,
  outcome: Extract<CommandOutcome, { kind: 'delete' }>,
  carried: readonly string[],
): Promise<void> {
  const fileIds = new Set([...carried, ...deps.files.of(outcome.jobId)]);
  for (const file of fileIds) {
    await deps.client.files.delete({ file }).catch((error: unknown) => {
      deps.logger.debug({ err: error, file }, 'slack: file already gone');
    });
  }
  for (const ref of outcome.messages) {
    if (ref.platform !== 'slack') continue;
    await deps.client.chat.delete({ channel: ref.channelId, ts: ref.messageId }).catch((error: unknown) => {
      deps.logger.debug({ err: error, ts: ref.messageId }, 'slack: message already gone');
    });
  }
}
