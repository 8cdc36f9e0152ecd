// Tells one user something privately without response_url: an ephemeral message in the channel,
// or, where the bot cannot post (not a member), a message in the user's DM with the bot.
import type { webApi } from '@slack/bolt';
import type { SlackLogger } from './slack-logger.js';

export async function notifyUser(
  client: webApi.WebClient,
  logger: SlackLogger,
  target: { readonly channelId: string; readonly userId: string },
  text: string,
): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: target.channelId, user: target.userId, text });
    return;
  } catch (error) {
    logger.debug({ err: error, channelId: target.channelId }, 'slack: ephemeral failed, trying a DM');
  }
  try {
    // A user id as the channel posts into the app's DM with that user (its Messages tab).
    await client.chat.postMessage({ channel: target.userId, text });
  } catch (error) {
    logger.warn({ err: error, userId: target.userId }, 'slack: could not tell a user about their request');
  }
}
