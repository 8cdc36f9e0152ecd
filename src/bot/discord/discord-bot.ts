// The Discord adapter as one unit: the client, its event handlers and the jobs it is showing.
// A handler's failure is logged and never reaches the process.
import { Events, RESTEvents, Routes, type Client } from 'discord.js';
import type { JobRecord, MessageRef } from '../../commands/job-record.js';
import type { ChatAdapter } from '../core/chat-adapter.js';
import { interruptedReply } from '../core/interrupted-reply.js';
import { LiveJobs } from '../core/live-jobs.js';
import type { Logger } from '../core/logger.js';
import type { NsfwPolicy } from '../core/nsfw-policy.js';
import type { DiscordBackend } from './discord-backend.js';
import { createDiscordClient } from './discord-client.js';
import type { DiscordConfig } from './discord-config.js';
import { classifyDiscordFailure } from './discord-failure.js';
import { DiscordInteractionHandler } from './interaction-handler.js';
import { DiscordReactionHandler } from './reaction-handler.js';
import { renderReply } from './render-reply.js';
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from './result-files.js';

export interface DiscordBotOptions {
  readonly config: DiscordConfig;
  readonly backend: DiscordBackend;
  readonly logger: Logger;
  /** Flagged images outside age-restricted channels: spoiler (default) or withhold. */
  readonly nsfwPolicy?: NsfwPolicy;
}

export class DiscordBot implements ChatAdapter {
  readonly platform = 'discord';
  readonly client: Client;
  private readonly live = new LiveJobs();

  constructor(private readonly options: DiscordBotOptions) {
    const { config, backend, logger } = options;
    this.client = createDiscordClient(config);
    const deps = {
      client: this.client,
      backend,
      config,
      logger,
      jobs: backend,
      editIntervalMs: config.editIntervalMs,
      nsfwPolicy: options.nsfwPolicy ?? 'spoiler',
      live: this.live,
      deleteMessage: (ref: MessageRef) => this.deleteMessage(ref),
    };
    const interactions = new DiscordInteractionHandler(deps);
    const reactions = new DiscordReactionHandler(deps);

    this.client.on(Events.InteractionCreate, (interaction) => {
      void interactions.handle(interaction).catch((error: unknown) => logger.error({ err: error, interactionId: interaction.id }, 'interaction handler failed'));
    });
    this.client.on(Events.MessageReactionAdd, (reaction, user) => {
      void reactions.handle(reaction, user).catch((error: unknown) => logger.error({ err: error, message: reaction.message.id }, 'reaction handler failed'));
    });
    // Arrives in DMs (and in servers when the GuildMessages intent is added); otherwise the next edit's 10008 tells.
    this.client.on(Events.MessageDelete, (message) => {
      this.live.messageDeleted(message.id);
    });
    this.client.rest.on(RESTEvents.RateLimited, (info) => logger.info({ route: info.route, retryAfterMs: info.retryAfter }, 'Discord rate limit: waiting'));
    this.client.on(Events.Error, (error) => logger.error({ err: error }, 'Discord client error'));
  }

  /** Logs in and resolves once the gateway says READY. */
  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.options.config.token);
    await ready;
    const applicationId = this.client.application?.id;
    if (applicationId !== undefined && applicationId !== this.options.config.applicationId) {
      this.options.logger.warn(
        { configured: this.options.config.applicationId, actual: applicationId },
        'DISCORD_APPLICATION_ID does not match the application of DISCORD_TOKEN',
      );
    }
    this.options.logger.info({ user: this.client.user?.tag }, 'Discord bot ready');
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  /** Resolves when every job this adapter showed has its last state in Discord. */
  idle(): Promise<void> {
    return this.live.idle();
  }

  async markInterrupted(record: JobRecord): Promise<void> {
    const content = await renderReply(interruptedReply(record), { sizeLimitBytes: DEFAULT_ATTACHMENT_SIZE_LIMIT });
    for (const ref of record.messages) {
      if (ref.platform !== 'discord') continue;
      try {
        // The preview that was on screen goes too: nothing is coming after it.
        await this.client.rest.patch(Routes.channelMessage(ref.channelId, ref.messageId), {
          body: { content: content.content, components: content.components ?? [], attachments: [] },
        });
      } catch (error) {
        if (classifyDiscordFailure(error) !== 'message_gone') throw error;
      }
    }
  }

  private async deleteMessage(ref: MessageRef): Promise<void> {
    try {
      await this.client.rest.delete(Routes.channelMessage(ref.channelId, ref.messageId));
    } catch (error) {
      // Already gone is what we wanted.
      if (classifyDiscordFailure(error) !== 'message_gone') throw error;
    }
  }
}
