// The discord.js client with what the bot needs: guild and DM reactions on old or uncached
// messages (partials), and REST pointed at DISCORD_API_BASE when one is set.
import { Client, GatewayIntentBits, Partials } from 'discord.js';
import type { DiscordConfig } from './discord-config.js';

/** Slash commands need no intent; reactions on results do, in servers and in DMs. */
export const DISCORD_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.DirectMessageReactions,
] as const;

/** Without these discord.js silently drops reactions on messages it has not cached (e.g. after a restart). */
export const DISCORD_PARTIALS = [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel] as const;

/** discord.js retries a 5xx this many times before rejecting; final deliveries retry on top. */
const REST_RETRIES = 3;

export function createDiscordClient(config: Pick<DiscordConfig, 'apiBase'>): Client {
  return new Client({
    intents: [...DISCORD_INTENTS],
    partials: [...DISCORD_PARTIALS],
    rest: { retries: REST_RETRIES, ...(config.apiBase !== undefined ? { api: config.apiBase } : {}) },
    // Results are found by message id in the job records, so the message cache can stay small.
    allowedMentions: { parse: [], repliedUser: false },
  });
}
