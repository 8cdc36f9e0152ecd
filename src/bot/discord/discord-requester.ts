// Who asked and where, in the platform-neutral terms of the commands layer.
import { PermissionFlagsBits, type Channel, type PartialUser, type PermissionsBitField, type User } from 'discord.js';
import type { Requester } from '../../commands/generate-request.js';

/** DMs count as age-restricted for the requester's own results; threads follow their parent. */
export function isAgeRestricted(channel: Channel | null, guildId: string | null): boolean {
  if (guildId === null) return true;
  if (channel === null) return false;
  if (channel.isThread()) return channel.parent?.nsfw ?? false;
  return 'nsfw' in channel && channel.nsfw === true;
}

export function discordRequester(
  user: User | PartialUser,
  where: {
    readonly channelId: string;
    readonly guildId: string | null;
    readonly channel: Channel | null;
    /** The member's permissions in this channel, from the interaction. */
    readonly memberPermissions?: Readonly<PermissionsBitField> | null;
  },
): Requester {
  const userName = user.globalName ?? user.username ?? undefined;
  return {
    platform: 'discord',
    userId: user.id,
    ...(userName !== undefined && userName !== null ? { userName } : {}),
    ...(where.guildId !== null ? { guildId: where.guildId } : {}),
    channelId: where.channelId,
    ageRestrictedChannel: isAgeRestricted(where.channel, where.guildId),
    ...(where.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true ? { canManageServer: true } : {}),
  };
}
