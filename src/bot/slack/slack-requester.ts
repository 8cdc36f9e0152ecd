// The platform-neutral requester for a Slack user in a conversation.
import type { Requester } from '../../commands/generate-request.js';

export interface SlackRequesterInput {
  readonly userId: string;
  readonly userName?: string;
  readonly teamId?: string;
  readonly channelId: string;
}

/** Slack has no age-restricted channels; only the user's own DM with the bot counts as one. */
export function slackRequester(input: SlackRequesterInput): Requester {
  return {
    platform: 'slack',
    userId: input.userId,
    ...(input.userName === undefined ? {} : { userName: input.userName }),
    ...(input.teamId === undefined ? {} : { guildId: input.teamId }),
    channelId: input.channelId,
    ageRestrictedChannel: input.channelId.startsWith('D'),
  };
}
