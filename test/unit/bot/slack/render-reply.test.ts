import { describe, expect, it } from 'vitest';
import type { Reply } from '../../../../src/commands/reply.js';
import { errorReply, resultReply } from '../../../../src/commands/replies.js';
import { UserFacingError } from '../../../../src/commands/user-facing-error.js';
import { escapeMrkdwn, renderReply, replyToMrkdwn } from '../../../../src/bot/slack/render-reply.js';
import type { GenerateRequest } from '../../../../src/commands/generate-request.js';

const REQUEST: GenerateRequest = {
  prompt: 'a fox <in> snow & ice',
  negativePrompt: 'blurry',
  seed: 7,
  numInferenceSteps: 20,
  guidanceScale: 7,
  sampler: 'euler_a',
  width: 768,
  height: 512,
  count: 2,
  model: 'sd15',
  origin: 'imagine',
  notes: [],
};

const RESULT = resultReply({
  jobId: '4b966c25-22ae-405e-aa60-523852acec34',
  request: REQUEST,
  images: [7, 8].map((seed) => ({ seed, width: 768, height: 512, nsfw: false })),
  elapsedMs: 12_300,
});

interface Element {
  readonly action_id: string;
  readonly style?: string;
  readonly value?: string;
  readonly confirm?: unknown;
  readonly text: { readonly text: string };
}

function actionRows(blocks: readonly { type: string }[]): Element[][] {
  return blocks.filter((b) => b.type === 'actions').map((b) => (b as unknown as { elements: Element[] }).elements);
}

describe('renderReply', () => {
  it('escapes what Slack would turn into mentions or links', () => {
    expect(escapeMrkdwn('<@U1> & <!channel>')).toBe('&lt;@U1&gt; &amp; &lt;!channel&gt;');
    const message = renderReply({ kind: 'info', text: 'hi <!here>', ephemeral: false });
    expect(JSON.stringify(message.blocks)).toContain('hi &lt;!here&gt;');
  });

  it('turns result buttons into Block Kit rows, keeping the commands layer ids, styles and a confirm on Delete', () => {
    const rows = actionRows(renderReply(RESULT).blocks);
    expect(rows.map((row) => row.map((e) => e.text.text))).toEqual([
      ['U1', 'U2', '🔄 Re-roll'],
      ['V1', 'V2', '❌ Delete'],
      ['🖌️ Remix'],
    ]);
    const ids = (RESULT.buttons ?? []).map((row) => row.map((b) => b.id));
    expect(rows.map((row) => row.map((e) => e.action_id))).toEqual(ids);
    const [reroll, remove] = [rows[0]?.[2], rows[1]?.[2]];
    expect(reroll?.style).toBe('primary');
    expect(remove?.style).toBe('danger');
    expect(remove?.confirm).toBeDefined();
    expect(rows[0]?.[0]?.style).toBeUndefined();
  });

  it('attaches button values, such as the file ids Delete removes', () => {
    const deleteId = RESULT.buttons?.[1]?.[2]?.id ?? '';
    const rows = actionRows(renderReply(RESULT, { buttonValues: new Map([[deleteId, 'F1,F2']]) }).blocks);
    expect(rows[1]?.[2]?.value).toBe('F1,F2');
  });

  it('shows every field of a result, and a footer', () => {
    const message = renderReply(RESULT, { footer: 'requested by <@U1>' });
    const text = JSON.stringify(message.blocks);
    for (const fact of ['Seeds', '7, 8', 'Steps', '20', 'Euler a', 'CFG scale', '768', 'sd15', 'Negative prompt', 'blurry', 'requested by <@U1>']) {
      expect(text).toContain(fact);
    }
    // Slack reads the notification text as mrkdwn too: &, < and > are escaped there as well.
    expect(message.text).toBe('a fox &lt;in&gt; snow &amp; ice');
  });

  it('keeps a title in the notification text', () => {
    const reply: Reply = { kind: 'help', title: 'How to use /imagine', text: 'Describe a picture.', ephemeral: true };
    expect(renderReply(reply).text).toBe('How to use /imagine: Describe a picture.');
  });
});

describe('replyToMrkdwn', () => {
  it('puts prompt, long fields and a one-line parameter summary into plain mrkdwn', () => {
    const text = replyToMrkdwn({ ...RESULT, buttons: [] });
    expect(text.split('\n')[0]).toBe('a fox &lt;in&gt; snow &amp; ice');
    expect(text).toContain('*Negative prompt*\nblurry');
    expect(text).toContain('*Seeds:* 7, 8 · *Steps:* 20 · *Sampler:* Euler a');
  });

  it('renders a refusal as the commands layer words it', () => {
    const error = new UserFacingError('rate_limited', '', { retryAfterMs: 40_000 });
    expect(replyToMrkdwn(errorReply(error))).toMatch(/going a bit fast\. Try again in 40 s/);
  });
});
