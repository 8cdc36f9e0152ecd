import { describe, expect, it } from 'vitest';
import { parseSlackConfig, SlackConfigError } from '../../../../src/bot/slack/slack-config.js';

const BOT = { SLACK_BOT_TOKEN: 'xoxb-1' };

describe('parseSlackConfig', () => {
  it.each([
    {
      name: 'Socket Mode from an app token, with defaults',
      env: { ...BOT, SLACK_APP_TOKEN: 'xapp-1' },
      expected: {
        connection: { mode: 'socket', appToken: 'xapp-1' },
        command: '/imagine',
        editIntervalMs: 2000,
        resultsInThread: true,
      },
    },
    {
      name: 'HTTP mode from a signing secret and a port',
      env: { ...BOT, SLACK_SIGNING_SECRET: 's3cret', SLACK_PORT: '3000' },
      expected: { connection: { mode: 'http', signingSecret: 's3cret', port: 3000, host: '0.0.0.0' } },
    },
    {
      name: 'Socket Mode when both are configured',
      env: { ...BOT, SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's', SLACK_PORT: '3000' },
      expected: { connection: { mode: 'socket', appToken: 'xapp-1' } },
    },
    {
      name: 'HTTP mode forced by SLACK_MODE',
      env: { ...BOT, SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's', SLACK_PORT: '3000', SLACK_MODE: 'http' },
      expected: { connection: { mode: 'http', signingSecret: 's', port: 3000, host: '0.0.0.0' } },
    },
    {
      name: 'the optional knobs',
      env: {
        ...BOT,
        SLACK_APP_TOKEN: 'xapp-1',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
        SLACK_COMMAND: '/dream',
        SLACK_EDIT_INTERVAL_MS: '2500',
        SLACK_RESULTS_IN_THREAD: 'false',
      },
      expected: { apiUrl: 'http://127.0.0.1:9/api/', command: '/dream', editIntervalMs: 2500, resultsInThread: false },
    },
    {
      name: 'blank variables as unset',
      env: { ...BOT, SLACK_APP_TOKEN: 'xapp-1', SLACK_PORT: '', SLACK_COMMAND: ' ' },
      expected: { command: '/imagine' },
    },
  ])('reads $name', ({ env, expected }) => {
    expect(parseSlackConfig(env)).toMatchObject({ botToken: 'xoxb-1', ...expected });
  });

  it.each([
    { name: 'no bot token', env: { SLACK_APP_TOKEN: 'xapp-1' }, message: 'SLACK_BOT_TOKEN: is required' },
    { name: 'a user token as bot token', env: { SLACK_BOT_TOKEN: 'xoxp-1', SLACK_APP_TOKEN: 'xapp-1' }, message: 'xoxb-' },
    { name: 'no way to connect', env: BOT, message: 'SLACK_APP_TOKEN for Socket Mode' },
    { name: 'a secret without a port', env: { ...BOT, SLACK_SIGNING_SECRET: 's' }, message: 'SLACK_SIGNING_SECRET and SLACK_PORT' },
    { name: 'socket mode without an app token', env: { ...BOT, SLACK_MODE: 'socket', SLACK_SIGNING_SECRET: 's', SLACK_PORT: '1' }, message: 'needs SLACK_APP_TOKEN' },
    { name: 'a port out of range', env: { ...BOT, SLACK_SIGNING_SECRET: 's', SLACK_PORT: '70000' }, message: 'SLACK_PORT' },
    { name: 'a command without a slash', env: { ...BOT, SLACK_APP_TOKEN: 'xapp-1', SLACK_COMMAND: 'imagine' }, message: 'SLACK_COMMAND' },
    { name: 'edits faster than Slack allows', env: { ...BOT, SLACK_APP_TOKEN: 'xapp-1', SLACK_EDIT_INTERVAL_MS: '200' }, message: 'SLACK_EDIT_INTERVAL_MS' },
    { name: 'a yes/no typo', env: { ...BOT, SLACK_APP_TOKEN: 'xapp-1', SLACK_RESULTS_IN_THREAD: 'maybe' }, message: 'SLACK_RESULTS_IN_THREAD' },
    { name: 'a bad API URL', env: { ...BOT, SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'not a url' }, message: 'SLACK_API_URL' },
  ])('refuses $name, naming what to fix', ({ env, message }) => {
    expect(() => parseSlackConfig(env)).toThrow(SlackConfigError);
    expect(() => parseSlackConfig(env)).toThrow(message);
  });
});
