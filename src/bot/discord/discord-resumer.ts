// After a restart, a Discord job kept by the queue goes on in the message that showed it: a
// presenter on a surface that edits that channel message by id with the bot token (the old
// interaction token died with the process), so progress and the result land there, once.
import type { Client } from 'discord.js';
import type { JobRecord } from '../../commands/job-record.js';
import type { JobObserver } from '../core/job-observer.js';
import type { JobLinks } from '../core/job-presenter.js';
import type { LiveJobs } from '../core/live-jobs.js';
import type { Logger } from '../core/logger.js';
import type { NsfwPolicy } from '../core/nsfw-policy.js';
import type { ConversationResumer } from '../core/ports/conversation-resumer.js';
import { resumedPresenter } from '../core/resumed-presenter.js';
import { DiscordChatSurface } from './discord-chat-surface.js';
import type { DiscordConfig } from './discord-config.js';
import { DiscordJobMessage } from './job-message.js';
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from './result-files.js';
import { sendableChannel } from './sendable-channel.js';

export interface DiscordResumerDeps {
  readonly client: Client;
  readonly config: DiscordConfig;
  readonly jobs: JobLinks;
  readonly logger: Logger;
  readonly nsfwPolicy: NsfwPolicy;
  readonly live: LiveJobs;
}

export class DiscordResumer implements ConversationResumer {
  constructor(private readonly deps: DiscordResumerDeps) {}

  observerFor(record: JobRecord): JobObserver | undefined {
    if (record.requester.platform !== 'discord') return undefined;
    // The last one linked is where the job was shown last (the channel message after a token switch).
    const adopted = record.messages.findLast((ref) => ref.platform === 'discord');
    if (adopted === undefined) return undefined;
    const { client, config, logger } = this.deps;
    const logContext = { jobId: record.jobId, user: record.requester.userId, channel: adopted.channelId, message: adopted.messageId };
    const message = new DiscordJobMessage({
      adopted,
      channel: () => sendableChannel(client, adopted.channelId),
      tokenLifetimeMs: config.tokenLifetimeMs,
      tokenSwitchMarginMs: config.tokenSwitchMarginMs,
    });
    const surface = new DiscordChatSurface(message, {
      deliveryAttempts: config.deliveryAttempts,
      files: { sizeLimitBytes: DEFAULT_ATTACHMENT_SIZE_LIMIT },
      logger,
      logContext,
      // No interaction to answer privately after a restart: the log has to do.
      reportMissingPermissions: async (error) => logger.warn({ ...logContext, err: error }, 'missing permission to edit a resumed job message'),
      dismiss: async () => undefined,
    });
    const presenter = resumedPresenter(record, surface, { jobs: this.deps.jobs, editIntervalMs: config.editIntervalMs, nsfwPolicy: this.deps.nsfwPolicy, logger, logContext });
    this.deps.live.add(presenter, surface);
    return presenter;
  }
}
