import { describe, expect, it } from 'vitest';
import type { Requester } from '../../../../src/commands/generate-request.js';
import { slackInvocation } from '../../../../src/bot/slack/slack-invocation.js';
import { slackRequester } from '../../../../src/bot/slack/slack-requester.js';

const REQUESTER: Requester = slackRequester({ userId: 'U1', teamId: 'T1', channelId: 'C1' });

describe('slackInvocation', () => {
  it.each([
    { text: '', command: 'help' },
    { text: ' help ', command: 'help' },
    { text: 'HELP', command: 'help' },
    { text: 'queue', command: 'queue' },
    { text: 'a fox --ar 3:2 --seed 7', command: 'imagine', prompt: 'a fox --ar 3:2 --seed 7' },
    { text: 'help me paint a fox', command: 'imagine', prompt: 'help me paint a fox' },
    { text: 'queue of people at dawn', command: 'imagine', prompt: 'queue of people at dawn' },
    { text: 'settings sampler euler', command: 'settings', prompt: 'sampler euler' },
    { text: 'Settings', command: 'settings', prompt: '' },
    { text: 'admin pause', command: 'admin', prompt: 'pause' },
    { text: 'administrators in a meeting', command: 'imagine', prompt: 'administrators in a meeting' },
  ])('reads "$text" as $command', ({ text, command, prompt }) => {
    const invocation = slackInvocation(text, REQUESTER);
    expect(invocation.command).toBe(command);
    expect(invocation.text).toBe(prompt);
    expect(invocation.requester).toBe(REQUESTER);
  });
});

describe('slackRequester', () => {
  it.each([
    { channelId: 'C1', ageRestricted: false },
    { channelId: 'G1', ageRestricted: false },
    { channelId: 'D1', ageRestricted: true },
  ])('treats only the DM with the bot ($channelId) as age-restricted', ({ channelId, ageRestricted }) => {
    expect(slackRequester({ userId: 'U1', channelId })).toMatchObject({ platform: 'slack', channelId, ageRestrictedChannel: ageRestricted });
  });
});

describe('help on Slack', () => {
  it('names the other commands as words after the configured slash command', async () => {
    const { helpCommand } = await import('../../../../src/commands/help-command.js');
    const { defaultCommandsConfig } = await import('../../../../src/commands/config.js');
    const invocation = slackInvocation('help', REQUESTER, '/paint');
    const reply = helpCommand(defaultCommandsConfig(['sd15']), invocation.singleCommand);
    expect(reply.text).toContain('`/paint queue`');
    expect(reply.text).toContain('`/paint settings`');
    expect(reply.text).toContain('`/paint edit` repaints a picture of your own');
    expect(helpCommand(defaultCommandsConfig(['sd15'])).text).toContain('/queue shows your jobs');
  });
});
