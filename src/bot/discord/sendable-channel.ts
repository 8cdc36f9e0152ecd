// The channel to post in as the bot: cached, fetched, or the user's DM channel.
import type { Client, SendableChannels, User } from 'discord.js';

export async function sendableChannel(client: Client, channelId: string, dmUser?: User): Promise<SendableChannels> {
  const channel = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId).catch(() => null));
  if (channel?.isSendable()) return channel;
  if (dmUser) return dmUser.createDM();
  throw new Error(`channel ${channelId} is not one the bot can post in`);
}
