import { describe, expect, it } from 'vitest';
import { accessProblemText, progressMessage, resultCaption } from '../../../../src/bot/slack/slack-messages.js';

describe('slack messages', () => {
  it.each([
    { problem: 'not_member' as const, says: 'not a member of #random' },
    { problem: 'private_channel' as const, says: 'private channel' },
    { problem: 'direct_message' as const, says: 'direct message between other people' },
    { problem: 'group_message' as const, says: 'group conversation' },
  ])('explains $problem and how to invite the bot', ({ problem, says }) => {
    const text = accessProblemText(problem, 'U0BOT', 'random');
    expect(text).toContain(says);
    expect(text).toContain('<@U0BOT>');
  });

  it('shows the headline, where the job stands and who asked', () => {
    const message = progressMessage({ kind: 'ack', text: 'Queued: a fox', ephemeral: false }, 'Step 3/20', 'U1');
    expect(message.text).toBe('Queued: a fox');
    expect(JSON.stringify(message.blocks)).toContain('Step 3/20 · requested by <@U1>');
  });

  it('captions uploads without buttons', () => {
    const caption = resultCaption({
      kind: 'result',
      text: 'a fox',
      fields: [{ label: 'Seed', value: '7', inline: true }],
      buttons: [[{ id: 'im1:rr:x', label: 'Re-roll', style: 'primary' }]],
      ephemeral: false,
    });
    expect(caption).toBe('a fox\n*Seed:* 7');
  });
});
