// The fixed little universe the fake Discord serves: one bot, one guild with a plain and an
// age-restricted text channel, two people and one other bot.
import { ChannelType, type ChannelJson, type UserJson } from './discord-json.js';
import { nextSnowflake } from './snowflake.js';

// Permission bits (Discord docs, "Permissions").
const ADD_REACTIONS = 1n << 6n;
const VIEW_CHANNEL = 1n << 10n;
const SEND_MESSAGES = 1n << 11n;
const EMBED_LINKS = 1n << 14n;
const ATTACH_FILES = 1n << 15n;
const READ_MESSAGE_HISTORY = 1n << 16n;
const USE_APPLICATION_COMMANDS = 1n << 31n;

const MANAGE_GUILD = 1n << 5n;

export const DEFAULT_PERMISSIONS = (
  ADD_REACTIONS |
  VIEW_CHANNEL |
  SEND_MESSAGES |
  EMBED_LINKS |
  ATTACH_FILES |
  READ_MESSAGE_HISTORY |
  USE_APPLICATION_COMMANDS
).toString();

/** A moderator: the defaults plus Manage Server. */
export const MANAGER_PERMISSIONS = (BigInt(DEFAULT_PERMISSIONS) | MANAGE_GUILD).toString();

export interface FakeWorld {
  readonly bot: UserJson;
  readonly applicationId: string;
  readonly guild: { readonly id: string; readonly name: string; readonly ownerId: string };
  readonly channels: { readonly general: ChannelJson; readonly nsfw: ChannelJson };
  readonly users: { readonly alice: UserJson; readonly bob: UserJson; readonly otherBot: UserJson };
  readonly dmChannels: Map<string, ChannelJson>;
}

function user(username: string, bot = false): UserJson {
  return { id: nextSnowflake(), username, global_name: username, discriminator: '0', avatar: null, ...(bot ? { bot } : {}) };
}

function textChannel(guildId: string, name: string, nsfw: boolean, position: number): ChannelJson {
  return {
    id: nextSnowflake(),
    type: ChannelType.GuildText,
    name,
    guild_id: guildId,
    nsfw,
    position,
    permission_overwrites: [],
    last_message_id: null,
    flags: 0,
  };
}

export function createWorld(): FakeWorld {
  const bot = user('imagine', true);
  const alice = user('alice');
  const guildId = nextSnowflake();
  return {
    bot,
    applicationId: bot.id,
    guild: { id: guildId, name: 'Fake Guild', ownerId: alice.id },
    channels: {
      general: textChannel(guildId, 'general', false, 0),
      nsfw: textChannel(guildId, 'nsfw-art', true, 1),
    },
    users: { alice, bob: user('bob'), otherBot: user('other-bot', true) },
    dmChannels: new Map(),
  };
}

export function dmChannelFor(world: FakeWorld, recipient: UserJson): ChannelJson {
  const existing = world.dmChannels.get(recipient.id);
  if (existing) return existing;
  const channel: ChannelJson = {
    id: nextSnowflake(),
    type: ChannelType.DM,
    recipients: [recipient],
    last_message_id: null,
    flags: 0,
  };
  world.dmChannels.set(recipient.id, channel);
  return channel;
}

export function findChannel(world: FakeWorld, channelId: string): ChannelJson | undefined {
  if (world.channels.general.id === channelId) return world.channels.general;
  if (world.channels.nsfw.id === channelId) return world.channels.nsfw;
  return [...world.dmChannels.values()].find((channel) => channel.id === channelId);
}

export function findUser(world: FakeWorld, userId: string): UserJson | undefined {
  return [world.bot, ...Object.values(world.users)].find((candidate) => candidate.id === userId);
}

export function memberJson(person: UserJson, permissions: string = DEFAULT_PERMISSIONS): Record<string, unknown> {
  return {
    user: person,
    roles: [],
    joined_at: new Date(0).toISOString(),
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    nick: null,
    avatar: null,
    premium_since: null,
    communication_disabled_until: null,
    permissions,
  };
}
