// Who may change a Slack workspace's defaults: its admins and owners as users.info reports them,
// asked of the fake Slack through the real Web API client, kept for a minute, and never guessed.
import { webApi } from '@slack/bolt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Requester } from '../../../../src/commands/generate-request.js';
import { DEFAULT_ROLE_CACHE_MS, SlackWorkspaceAdmins } from '../../../../src/bot/slack/workspace-admins.js';
import { FakeSlack } from '../../../e2e/fake-slack/fake-slack.js';

let fake: FakeSlack;

beforeAll(async () => {
  fake = await FakeSlack.start({
    users: [
      { id: 'U0DANA', name: 'dana', isAdmin: true },
      { id: 'U0OWEN', name: 'owen', isOwner: true },
      { id: 'U0GUEST', name: 'gil', guest: 'multi' },
      { id: 'U0OTHER', name: 'olga', isAdmin: true, teamId: 'T0ELSEWHERE' },
      { id: 'U0GONE', name: 'gus', isAdmin: true, deleted: true },
    ],
  });
});

afterAll(async () => {
  await fake.close();
});

function who(userId: string): Requester {
  return { platform: 'slack', userId, guildId: fake.teamId, channelId: 'C0GENERAL', ageRestrictedChannel: false };
}

function admins(options: { now?: () => number; timeoutMs?: number } = {}): SlackWorkspaceAdmins {
  const client = new webApi.WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logLevel: webApi.LogLevel.ERROR });
  return new SlackWorkspaceAdmins(client, pino({ level: 'silent' }), options);
}

function lookups(userId: string): number {
  return fake.calls.of('users.info').filter((call) => call.args.user === userId).length;
}

describe('SlackWorkspaceAdmins', () => {
  it.each([
    ['an admin', 'U0DANA', 'manager'],
    ['an owner', 'U0OWEN', 'manager'],
    ['a plain member', 'U0ALICE', 'member'],
    ['a guest', 'U0GUEST', 'member'],
    ["another workspace's admin in a shared channel", 'U0OTHER', 'member'],
    ['a deactivated admin', 'U0GONE', 'member'],
  ])('counts %s as %s', async (_who, userId, role) => {
    expect(await admins().roleOf(who(userId))).toBe(role);
  });

  it('asks Slack once a minute per user, then again', async () => {
    let now = 1_000_000;
    const check = admins({ now: () => now });
    const before = lookups('U0DANA');
    expect(await check.roleOf(who('U0DANA'))).toBe('manager');
    expect(await check.roleOf(who('U0DANA'))).toBe('manager');
    expect(lookups('U0DANA') - before).toBe(1);
    now += DEFAULT_ROLE_CACHE_MS + 1;
    await check.roleOf(who('U0DANA'));
    expect(lookups('U0DANA') - before).toBe(2);
  });

  it('says unknown when users.info fails, is rate-limited or too slow, and keeps no such answer', async () => {
    const check = admins({ timeoutMs: 200 });
    fake.failNext('users.info', { error: 'missing_scope' });
    expect(await check.roleOf(who('U0OWEN'))).toBe('unknown');
    fake.failNext('users.info', { retryAfterSec: 30 });
    expect(await check.roleOf(who('U0OWEN'))).toBe('unknown');
    fake.failNext('users.info', { delayMs: 1000 });
    expect(await check.roleOf(who('U0OWEN'))).toBe('unknown');
    expect(await check.roleOf(who('U0OWEN'))).toBe('manager');
  });
});
