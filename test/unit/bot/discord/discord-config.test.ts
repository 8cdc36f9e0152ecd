import { describe, expect, it } from 'vitest';
import { DEFAULT_DISCORD_EDIT_INTERVAL_MS, DISCORD_TOKEN_LIFETIME_MS, loadDiscordConfig } from '../../../../src/bot/discord/discord-config.js';

const VALID = { DISCORD_TOKEN: 'bot-token', DISCORD_APPLICATION_ID: '123456789012345678' };

describe('loadDiscordConfig', () => {
  it('applies the defaults for everything optional', () => {
    expect(loadDiscordConfig(VALID)).toEqual({
      token: 'bot-token',
      applicationId: '123456789012345678',
      editIntervalMs: DEFAULT_DISCORD_EDIT_INTERVAL_MS,
      tokenLifetimeMs: DISCORD_TOKEN_LIFETIME_MS,
      tokenSwitchMarginMs: 60_000,
      deliveryAttempts: 4,
    });
  });

  it('reads every variable, trimming a trailing slash from the API base', () => {
    const config = loadDiscordConfig({
      ...VALID,
      DISCORD_API_BASE: 'http://127.0.0.1:8080/api/',
      DISCORD_GUILD_ID: '223456789012345678',
      DISCORD_EDIT_INTERVAL_MS: '1500',
      DISCORD_TOKEN_LIFETIME_MS: '5000',
      DISCORD_TOKEN_SWITCH_MARGIN_MS: '1000',
      DISCORD_DELIVERY_ATTEMPTS: '2',
    });
    expect(config).toMatchObject({
      apiBase: 'http://127.0.0.1:8080/api',
      guildId: '223456789012345678',
      editIntervalMs: 1500,
      tokenLifetimeMs: 5000,
      tokenSwitchMarginMs: 1000,
      deliveryAttempts: 2,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadDiscordConfig({ ...VALID, DISCORD_API_BASE: '', DISCORD_EDIT_INTERVAL_MS: '' })).not.toHaveProperty('apiBase');
  });

  it.each([
    { name: 'missing token', env: { DISCORD_APPLICATION_ID: VALID.DISCORD_APPLICATION_ID }, says: 'DISCORD_TOKEN is required' },
    { name: 'missing application id', env: { DISCORD_TOKEN: 'x' }, says: 'DISCORD_APPLICATION_ID is required' },
    { name: 'non-numeric application id', env: { ...VALID, DISCORD_APPLICATION_ID: 'my-bot' }, says: 'DISCORD_APPLICATION_ID must be the numeric' },
    { name: 'API base with a version', env: { ...VALID, DISCORD_API_BASE: 'http://127.0.0.1:8080/api/v10' }, says: 'DISCORD_API_BASE must not end in a version' },
    { name: 'API base not http', env: { ...VALID, DISCORD_API_BASE: 'ftp://example.com/api' }, says: 'DISCORD_API_BASE must be an http(s) URL' },
    { name: 'interval in words', env: { ...VALID, DISCORD_EDIT_INTERVAL_MS: 'fast' }, says: 'DISCORD_EDIT_INTERVAL_MS must be a whole number from 50 to 60000' },
    {
      name: 'margin longer than the lifetime',
      env: { ...VALID, DISCORD_TOKEN_LIFETIME_MS: '1000', DISCORD_TOKEN_SWITCH_MARGIN_MS: '1000' },
      says: 'DISCORD_TOKEN_SWITCH_MARGIN_MS must be shorter than DISCORD_TOKEN_LIFETIME_MS',
    },
  ])('refuses $name with a message naming the variable', ({ env, says }) => {
    expect(() => loadDiscordConfig(env)).toThrow(says);
  });

  it('lists every problem at once', () => {
    expect(() => loadDiscordConfig({})).toThrow(/DISCORD_TOKEN[\s\S]*DISCORD_APPLICATION_ID/);
  });
});
