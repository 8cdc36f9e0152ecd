// Server and channel defaults: who may set them, how they are typed on each platform, and what
// /imagine and /help make of them, on a real Keyv.
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import type { CommandDeps } from '../../../src/commands/command-deps.js';
import type { CommandOutcome } from '../../../src/commands/command-outcome.js';
import type { Requester } from '../../../src/commands/generate-request.js';
import { handleInvocation } from '../../../src/commands/handle-invocation.js';
import type { Invocation, OptionValue } from '../../../src/commands/invocation.js';
import { KeyvScopeSettingsStore } from '../../../src/commands/keyv-scope-settings-store.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import type { Reply } from '../../../src/commands/reply.js';
import { FakeAdmin, FakeLimits, FakeQueue, KeyvJobRecords } from './support/fakes.js';
import { ADMIN_ID, requester, sequence, testConfig } from './support/fixtures.js';

const MEMBER = requester('member');
const MODERATOR = requester('moderator', { canManageServer: true });
const ADMIN = requester(ADMIN_ID);
const ELSEWHERE = requester('member', { channelId: 'channel-2' });

function world(): { run: (who: Requester, invocation: Partial<Invocation>) => Promise<CommandOutcome>; deps: CommandDeps } {
  const keyv = new Keyv();
  const deps: CommandDeps = {
    config: testConfig(),
    settings: new KeyvUserSettingsStore(keyv),
    scopes: new KeyvScopeSettingsStore(keyv),
    jobs: new KeyvJobRecords(keyv),
    queue: new FakeQueue(),
    limits: new FakeLimits(),
    admin: new FakeAdmin(),
    random: sequence(0.5),
  };
  const run = (who: Requester, invocation: Partial<Invocation>) =>
    handleInvocation({ requester: who, command: 'settings', options: {}, attachments: [], ...invocation }, deps);
  return { run, deps };
}

function replyOf(outcome: CommandOutcome): Reply {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got ${outcome.kind}`);
  return outcome.reply;
}

const server = (options: Record<string, OptionValue>): Partial<Invocation> => ({ subcommand: 'server', options });
const imagine = (text: string): Partial<Invocation> => ({ command: 'imagine', text });

describe('/settings server', () => {
  it('lets members with Manage Server and ADMINS change the defaults, and no one else', async () => {
    const { run } = world();
    const refused = replyOf(await run(MEMBER, server({ 'max-steps': 20 })));
    expect(refused).toMatchObject({ kind: 'error', ephemeral: true });
    expect(refused.text).toContain('manage this server');
    expect(replyOf(await run(MODERATOR, server({ 'max-steps': 20 }))).text).toContain('Saved');
    expect(replyOf(await run(ADMIN, server({ nsfw: 'withhold' }))).fields).toEqual(
      expect.arrayContaining([{ label: 'Most steps', value: '20', inline: true }, { label: 'Flagged images', value: 'withhold', inline: true }]),
    );
    // Anyone may look.
    expect(replyOf(await run(MEMBER, server({}))).title).toBe('Defaults for this server');
  });

  it.each([
    ['manager', 'Saved'],
    ['member', 'Only workspace admins and owners, or the bot admins, can change the defaults of this workspace and its channels.'],
    ['unknown', "I couldn't check with Slack whether you're a workspace admin"],
  ] as const)('on Slack asks the platform who manages the workspace: %s', async (role, text) => {
    const { deps } = world();
    const asked: string[] = [];
    const slackDeps: CommandDeps = { ...deps, serverManagers: { roleOf: async (who) => { asked.push(who.userId); return role; } } };
    const member = requester('U0MEMBER', { platform: 'slack', guildId: 'T0TEAM', channelId: 'C0GENERAL' });
    const reply = replyOf(await handleInvocation({ requester: member, command: 'settings', options: {}, text: 'server --max-steps 20', attachments: [] }, slackDeps));
    expect(reply.text).toContain(text);
    expect(asked).toEqual(['U0MEMBER']);
    // Looking needs no role, so the platform is not asked.
    await handleInvocation({ requester: member, command: 'settings', options: {}, text: 'server', attachments: [] }, slackDeps);
    expect(asked).toEqual(['U0MEMBER']);
  });

  it('bounds /imagine: default and allowed models, most steps and images, the NSFW policy; a channel overrides its server', async () => {
    const { run } = world();
    await run(MODERATOR, server({ model: 'turbo', models: 'turbo, sd15', 'max-steps': 20, 'max-count': 2, nsfw: 'withhold' }));
    await run(MODERATOR, server({ scope: 'channel', 'max-steps': 10 }));

    const defaults = await run(MEMBER, imagine('a fox'));
    if (defaults.kind !== 'generate') throw new Error(defaults.kind);
    expect(defaults.request).toMatchObject({ model: 'turbo', nsfwPolicy: 'withhold' });

    const bounded = await run(MEMBER, imagine('a fox --model sd15 --steps 40 --n 4'));
    if (bounded.kind !== 'generate') throw new Error(bounded.kind);
    expect(bounded.request).toMatchObject({ model: 'sd15', numInferenceSteps: 10, count: 2 });
    expect(bounded.request.notes).toEqual(expect.arrayContaining([
      'Steps lowered from 40 to 10, the most allowed here.',
      'Images lowered from 4 to 2, the most allowed here.',
    ]));
    // In another channel only the server's bound applies.
    const other = await run(ELSEWHERE, imagine('a fox --model sd15 --steps 40'));
    if (other.kind !== 'generate') throw new Error(other.kind);
    expect(other.request.numInferenceSteps).toBe(20);

    const refused = replyOf(await run(MEMBER, imagine('a fox --model xl')));
    expect(refused.text).toBe("`xl` isn't allowed here. Models you can use here: sd15, turbo.");
  });

  it("keeps a user's own settings within the bounds", async () => {
    const { run } = world();
    await run(MEMBER, { subcommand: 'set', options: { steps: 45 } });
    await run(ADMIN, server({ 'max-steps': 30 }));
    const outcome = await run(MEMBER, imagine('a fox'));
    if (outcome.kind !== 'generate') throw new Error(outcome.kind);
    expect(outcome.request.numInferenceSteps).toBe(30);
  });

  it('reads the words after `server` on Slack and in the playground, and refuses what it cannot use by name', async () => {
    const { run } = world();
    const saved = replyOf(await run(MODERATOR, { text: 'server channel --models sd15 --max-count 1' }));
    expect(saved.title).toBe('Defaults for this channel');
    expect(saved.fields).toEqual(expect.arrayContaining([{ label: 'Allowed models', value: 'sd15', inline: true }]));
    const bad = replyOf(await run(MODERATOR, { text: 'server --model sd15 --models turbo' }));
    expect(bad.text).toContain('must be one of the allowed models');
    const unknown = replyOf(await run(MODERATOR, { text: 'server --colour red' }));
    expect(unknown.text).toContain('--colour');
    const cleared = replyOf(await run(MODERATOR, { text: 'server channel --reset' }));
    expect(cleared.text).toContain('cleared');
  });

  it('/help shows what is set where it is asked', async () => {
    const { run } = world();
    await run(ADMIN, server({ model: 'turbo', 'max-steps': 12 }));
    const help = replyOf(await run(MEMBER, { command: 'help' }));
    expect(help.fields?.find((field) => field.label === 'Set for this server or channel')?.value).toBe('Default model: turbo\nMost steps: 12');
    const elsewhere = replyOf(await run(requester('member', { guildId: 'guild-2' }), { command: 'help' }));
    expect(elsewhere.fields?.some((field) => field.label === 'Set for this server or channel')).toBe(false);
  });
});
