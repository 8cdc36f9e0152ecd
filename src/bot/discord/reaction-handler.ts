// 🔄 (and ❌) on a result message, including messages from before a restart that discord.js never
// cached: it only needs the ids, and the job is found from the stored record of that message.
import type { Client, MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import type { MessageRef } from '../../commands/job-record.js';
import { actionForReaction } from '../../commands/reactions.js';
import { discordRequester, isAgeRestricted } from './discord-requester.js';
import { DiscordJobMessage } from './job-message.js';
import { missingPermissions } from './missing-permissions.js';
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from './result-files.js';
import { runOutcome, type OutcomeDeps, type OutcomeTarget } from './run-outcome.js';
import { sendableChannel } from './sendable-channel.js';

export interface ReactionHandlerDeps extends OutcomeDeps {
  readonly client: Client;
}

export class DiscordReactionHandler {
  constructor(private readonly deps: ReactionHandlerDeps) {}

  async handle(reaction: MessageReaction | PartialMessageReaction, reactor: User | PartialUser): Promise<void> {
    const { client, logger } = this.deps;
    const emoji = reaction.emoji.name;
    if (emoji === null || actionForReaction(emoji) === undefined || reactor.id === client.user?.id) return;
    // In DMs the reactor arrives as a bare id; bots (including this one) never act.
    const user = reactor.partial ? await reactor.fetch().catch(() => undefined) : reactor;
    if (user === undefined || user.bot) return;

    const message = reaction.message;
    const ref: MessageRef = { platform: 'discord', channelId: message.channelId, messageId: message.id };
    const where = { channelId: message.channelId, guildId: message.guildId, channel: message.channel };
    const outcome = await this.deps.backend.handleAction({ kind: 'reaction', emoji, message: ref }, discordRequester(user, where));
    if (outcome.kind === 'ignore') return;

    const logContext = { reaction: emoji, user: user.id, channel: message.channelId, message: message.id };
    const target: OutcomeTarget = {
      message: new DiscordJobMessage({
        channel: () => sendableChannel(client, message.channelId, user),
        replyToMessageId: message.id,
        tokenLifetimeMs: this.deps.config.tokenLifetimeMs,
        tokenSwitchMarginMs: this.deps.config.tokenSwitchMarginMs,
      }),
      files: {
        sizeLimitBytes: DEFAULT_ATTACHMENT_SIZE_LIMIT,
        ageRestrictedChannel: isAgeRestricted(message.channel, message.guildId),
        nsfwPolicy: this.deps.config.nsfwPolicy,
      },
      logContext,
      // Without an interaction there is no private way back to the user: the log has to do.
      reportMissingPermissions: async (error) => {
        const labels = missingPermissions(message.channel, client.user);
        logger.warn({ ...logContext, err: error, missingPermissions: labels }, `missing permission in channel: ${labels.join(', ')}`);
      },
      dismiss: async () => undefined,
      confirmDeletes: false,
    };
    await runOutcome(outcome, target, this.deps);
  }
}
