// READY and GUILD_CREATE as discord.js expects them after IDENTIFY.
import { DEFAULT_PERMISSIONS, memberJson, type FakeWorld } from './world.js';

const GATEWAY_VERSION = 10;

export function readyPayload(world: FakeWorld, sessionId: string, resumeUrl: string): Record<string, unknown> {
  return {
    v: GATEWAY_VERSION,
    user: { ...world.bot, verified: true, mfa_enabled: false, flags: 0 },
    guilds: [{ id: world.guild.id, unavailable: true }],
    session_id: sessionId,
    resume_gateway_url: resumeUrl,
    shard: [0, 1],
    application: { id: world.applicationId, flags: 0 },
    private_channels: [],
    presences: [],
    relationships: [],
    user_settings: {},
    geo_ordered_rtc_regions: [],
    guild_join_requests: [],
  };
}

export function guildCreatePayload(world: FakeWorld): Record<string, unknown> {
  const { guild, channels } = world;
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      {
        id: guild.id,
        name: '@everyone',
        permissions: DEFAULT_PERMISSIONS,
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: 1 + Object.keys(world.users).length,
    voice_states: [],
    members: [memberJson(world.bot)],
    channels: [channels.general, channels.nsfw].map(({ guild_id: _guildId, ...channel }) => channel),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
