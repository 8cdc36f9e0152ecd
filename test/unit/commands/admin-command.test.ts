import { describe, expect, it } from 'vitest';
import { adminCommand, parseUserKey } from '../../../src/commands/admin-command.js';
import type { Invocation, OptionValue } from '../../../src/commands/invocation.js';
import type { Reply } from '../../../src/commands/reply.js';
import { FakeAdmin, FakeLimits, FakeQueue } from './support/fakes.js';
import { ADMIN_ID, requester, testConfig } from './support/fixtures.js';

const config = testConfig();

function setup(): { admin: FakeAdmin; queue: FakeQueue; limits: FakeLimits; run: (invocation: Partial<Invocation>) => Promise<Reply> } {
  const admin = new FakeAdmin();
  const queue = new FakeQueue();
  const limits = new FakeLimits();
  const run = (invocation: Partial<Invocation>): Promise<Reply> =>
    adminCommand({ requester: requester(ADMIN_ID), command: 'admin', options: {}, attachments: [], ...invocation }, { config, admin, queue, limits });
  return { admin, queue, limits, run };
}

const slash = (subcommand: string, options: Record<string, OptionValue> = {}): Partial<Invocation> => ({ subcommand, options });

describe('admin gating', () => {
  it.each([
    { who: 'a regular user', requester: requester('someone') },
    { who: 'the admin’s id on another platform', requester: requester(ADMIN_ID, { platform: 'slack' }) },
    { who: 'a server owner with every Discord permission (roles do not count)', requester: requester('guild-owner') },
  ])('refuses $who with forbidden and changes nothing', async ({ requester: who }) => {
    const { admin, run } = setup();
    for (const [subcommand, options] of [['pause', {}], ['ban', { user: 'victim' }], ['cancel', { job: 'j1' }], ['limits', {}]] as const) {
      const reply = await run({ ...slash(subcommand, options), requester: who });
      expect(reply).toEqual({ kind: 'error', text: 'This command is for the bot admins listed in its configuration.', ephemeral: true });
    }
    expect(admin.paused).toBe(false);
    expect(admin.banned.size).toBe(0);
    expect(admin.cancelled).toEqual([]);
  });

  it('lets a listed admin pause and resume intake', async () => {
    const { admin, run } = setup();
    expect((await run(slash('pause'))).text).toContain('New jobs are paused');
    expect(admin.paused).toBe(true);
    expect((await run(slash('resume'))).text).toBe('Taking new jobs again.');
    expect(admin.paused).toBe(false);
  });
});

describe('ban and unban', () => {
  it.each([
    { value: '123456789012345678', key: 'discord:123456789012345678' },
    { value: '<@123>', key: 'discord:123' },
    { value: '<@!123>', key: 'discord:123' },
    { value: 'slack:U0ABC', key: 'slack:U0ABC' },
  ])('reads $value as $key', async ({ value, key }) => {
    const { admin, run } = setup();
    const reply = await run(slash('ban', { user: value }));
    expect(reply.text).toBe(`\`${key}\` is banned.`);
    expect(await admin.isBanned(key as `discord:${string}`)).toBe(true);
    await run(slash('unban', { user: value }));
    expect(admin.banned.size).toBe(0);
  });

  it('reads Slack text: `ban <@U123|ana>`', async () => {
    const { admin, run } = setup();
    await run({ requester: requester(ADMIN_ID, { platform: 'slack' }), text: 'ban <@U123|ana>' });
    expect([...admin.banned]).toEqual([]);
    // The admin is listed for Discord only; a Slack admin must be listed as slack:<id>.
    const slackConfig = testConfig({ adminUserKeys: ['slack:UADMIN'] });
    const slackAdmin = new FakeAdmin();
    await adminCommand(
      { requester: requester('UADMIN', { platform: 'slack' }), command: 'admin', options: {}, attachments: [], text: 'ban <@U123|ana>' },
      { config: slackConfig, admin: slackAdmin, queue: new FakeQueue(), limits: new FakeLimits() },
    );
    expect([...slackAdmin.banned]).toEqual(['slack:U123']);
  });

  it.each([
    { options: {}, text: '`/admin ban` needs a user' },
    { options: { user: 'not a user!' }, text: '`not a user!` isn\'t a user I can read' },
    { options: { user: 'telegram:42' }, text: '`telegram:42`' },
  ])('refuses $options naming the user option', async ({ options, text }) => {
    const { admin, run } = setup();
    const reply = await run(slash('ban', options));
    expect(reply.kind).toBe('error');
    expect(reply.text).toContain(text);
    expect(admin.banned.size).toBe(0);
  });

  it('parses user keys strictly', () => {
    expect(parseUserKey('42', 'slack')).toBe('slack:42');
    expect(parseUserKey(42, 'discord')).toBe('discord:42');
    expect(parseUserKey(true, 'discord')).toBeUndefined();
    expect(parseUserKey('discord:', 'discord')).toBeUndefined();
  });
});

describe('cancel', () => {
  it('cancels a job by id and says whether it did', async () => {
    const { admin, run } = setup();
    admin.cancellable.add('job-1');
    expect((await run(slash('cancel', { job: 'job-1' }))).text).toBe('Job `job-1` is cancelled.');
    expect((await run(slash('cancel', { job: 'job-1' }))).text).toBe('Job `job-1` is unknown or already over.');
    expect((await run({ text: 'cancel job-2' })).text).toBe('Job `job-2` is unknown or already over.');
  });

  it('needs a job id', async () => {
    const { run } = setup();
    expect((await run(slash('cancel'))).text).toContain('`/admin cancel` needs a job id');
  });
});

describe('limits', () => {
  it('shows a user’s remaining images, ban state and the queue', async () => {
    const { admin, queue, limits, run } = setup();
    await admin.ban('discord:77');
    queue.fallback = { running: 1, waiting: 3, paused: true, mine: [] };
    limits.value = { images: 2, capacity: 10, refillMs: 125_000 };
    const reply = await run(slash('limits', { user: '77' }));
    expect(reply.title).toBe('Limits of `discord:77` (banned)');
    expect(reply.text).toBe(
      'Running: 1 · Waiting: 3\nIntake: paused\nYou can ask for 2 more images now (up to 10; full again in 2 min 5 s).',
    );
    expect(reply.ephemeral).toBe(true);
  });

  it('refuses an unknown subcommand, listing the known ones', async () => {
    const { run } = setup();
    const reply = await run({ text: 'nuke everything' });
    expect(reply.text).toBe('`/admin nuke` isn\'t an admin command. Use one of limits, ban, unban, pause, resume, cancel.');
  });
});
