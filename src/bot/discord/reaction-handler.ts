// 🔄 (and ❌) on a result message, including messages from before a restart that discord.js never
// cached: it only needs the ids, and the job is found from the stored record of that message.
import type { MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import type { MessageRef } from '../../commands/job-record.js';
import { actionForReaction } from '../../commands/reactions.js';
import { respond, type OutcomeTarget } from '../core/run-outcome.js';
import { DiscordChatSurface } from './discord-chat-surface.js';
import { discordRequester } from './discord-requester.js';
import { deleteMessages, type DiscordHandlerDeps } from './interaction-handler.js';
import { DiscordJobMessage } from './job-message.js';
import { missingPermissions } from './missing-permissions.js';
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from './result-files.js';
import { sendableChannel } from './sendable-channel.js';

export class DiscordReactionHandler {
  constructor(private readonly deps: DiscordHandlerDeps) {}

  async handle(reaction: MessageReaction | PartialMessageReaction, reactor: User | PartialUser): Promise<void> {
    const { client, logger, config } = this.deps;
    const emoji = reaction.emoji.name;
    if (emoji === null || actionForReaction(emoji) === undefined || reactor.id === client.user?.id) return;
    // In DMs the reactor arrives as a bare id; bots (including this one) never act.
    const user = reactor.partial ? await reactor.fetch().catch(() => undefined) : reactor;
    if (user === undefined || user.bot) return;

    const message = reaction.message;
    const ref: MessageRef = { platform: 'discord', channelId: message.channelId, messageId: message.id };
    const where = { channelId: message.channelId, guildId: message.guildId, channel: message.channel };
    const logContext = { reaction: emoji, user: user.id, channel: message.channelId, message: message.id };
    const jobMessage = new DiscordJobMessage({
      channel: () => sendableChannel(client, message.channelId, user),
      replyToMessageId: message.id,
      tokenLifetimeMs: config.tokenLifetimeMs,
      tokenSwitchMarginMs: config.tokenSwitchMarginMs,
    });
    const target: OutcomeTarget = {
      surface: new DiscordChatSurface(jobMessage, {
        deliveryAttempts: config.deliveryAttempts,
        files: { sizeLimitBytes: DEFAULT_ATTACHMENT_SIZE_LIMIT },
        logger,
        logContext,
        // Without an interaction there is no private way back to the user: the log has to do.
        reportMissingPermissions: async (error) => {
          const labels = missingPermissions(message.channel, client.user);
          logger.warn({ ...logContext, err: error, missingPermissions: labels }, `missing permission in channel: ${labels.join(', ')}`);
        },
        dismiss: async () => undefined,
      }),
      logContext,
      deleteResult: (outcome) => deleteMessages(outcome.messages, this.deps.deleteMessage),
      confirmDeletes: false,
    };
    await respond(() => this.deps.backend.handleAction({ kind: 'reaction', emoji, message: ref }, discordRequester(user, where)), target, this.deps);
  }
}
