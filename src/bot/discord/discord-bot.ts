// The Discord adapter as one unit: the client, its event handlers and the jobs it is showing.
// A handler's failure is logged and never reaches the process.
import { Events, RESTEvents, Routes, type Client } from 'discord.js';
import type { MessageRef } from '../../commands/job-record.js';
import type { Logger } from '../core/logger.js';
import type { DiscordBackend } from './discord-backend.js';
import type { DiscordChatSurface } from './discord-chat-surface.js';
import { createDiscordClient } from './discord-client.js';
import type { DiscordConfig } from './discord-config.js';
import { classifyDiscordFailure } from './discord-failure.js';
import { DiscordInteractionHandler } from './interaction-handler.js';
import { DiscordReactionHandler } from './reaction-handler.js';

export interface DiscordBotOptions {
  readonly config: DiscordConfig;
  readonly backend: DiscordBackend;
  readonly logger: Logger;
}

export class DiscordBot {
  readonly client: Client;
  private readonly activeSurfaces = new Set<DiscordChatSurface>();

  constructor(private readonly options: DiscordBotOptions) {
    const { config, backend, logger } = options;
    this.client = createDiscordClient(config);
    const deps = {
      client: this.client,
      backend,
      config,
      logger,
      activeSurfaces: this.activeSurfaces,
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
      for (const surface of [...this.activeSurfaces]) surface.messageDeleted(message.id);
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

  /** Jobs shown right now (for shutdown and tests). */
  get activeJobs(): number {
    return this.activeSurfaces.size;
  }

  async stop(): Promise<void> {
    await this.client.destroy();
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
