import { ButtonStyle, ComponentType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { MAX_CONTENT_CHARS, renderReply, replyComponents, replyText } from '../../../../src/bot/discord/render-reply.js';
import type { Reply } from '../../../../src/commands/reply.js';

const files = { sizeLimitBytes: 10 * 1024 * 1024 };

describe('renderReply', () => {
  it('writes the text, long fields on their own line and short ones side by side', () => {
    const reply: Reply = {
      kind: 'result',
      text: 'a fox',
      fields: [
        { label: 'Negative prompt', value: 'blurry', inline: false },
        { label: 'Seed', value: '42', inline: true },
        { label: 'Steps', value: '20', inline: true },
      ],
      ephemeral: false,
    };
    expect(replyText(reply)).toBe('a fox\n**Negative prompt:** blurry\n**Seed:** 42 · **Steps:** 20');
  });

  it('marks errors and keeps within Discord’s 2000 characters', () => {
    const text = replyText({ kind: 'error', text: 'x'.repeat(3000), ephemeral: true });
    expect(text.startsWith('⚠️ ')).toBe(true);
    expect(text).toHaveLength(MAX_CONTENT_CHARS);
  });

  it('turns button rows into action rows with the button ids and styles', () => {
    const rows = replyComponents({
      kind: 'result',
      text: '',
      buttons: [[{ id: 'im1:rr:job', label: 'Re-roll', style: 'primary', emoji: '🔄' }], [{ id: 'im1:del:job', label: 'Delete', style: 'danger' }]],
      ephemeral: false,
    });
    expect(rows).toEqual([
      { type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, custom_id: 'im1:rr:job', label: 'Re-roll', style: ButtonStyle.Primary, emoji: { name: '🔄' } }] },
      { type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, custom_id: 'im1:del:job', label: 'Delete', style: ButtonStyle.Danger }] },
    ]);
  });

  it('keeps the preview on screen for a progress step without a new one, and clears it otherwise', async () => {
    const step = await renderReply({ kind: 'progress', text: 'Step 3/20', ephemeral: false }, files);
    expect(step.files).toBeUndefined();
    const queued = await renderReply({ kind: 'queued', text: 'Queued', ephemeral: false }, files);
    expect(queued.files).toEqual([]);
  });
});
