// A prompt carrying Slack's special mentions must never ping anyone: whatever the bot echoes of it,
// in any text field of any message it sends (the ack, the job message's notification text and
// blocks, its edits, the result caption), reaches Slack escaped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../e2e/fake-slack/call-log.js';
import type { ChatWorld } from '../contract/chat-surface.contract.js';
import { startSlackWorld } from '../contract/chat-worlds.js';
import type { FakeSlack } from '../e2e/fake-slack/fake-slack.js';

const MENTIONS = ['<!channel>', '<!here>', '<!everyone>', '<@U0VICTIM>', '<#C0SECRET>', '<!subteam^S0ADMINS>'] as const;
/** The mrkdwn fields Slack parses for mentions, by method. */
const TEXT_FIELDS = ['text', 'blocks', 'initial_comment'] as const;

let world: ChatWorld & { readonly fake: FakeSlack };

beforeAll(async () => {
  world = await startSlackWorld();
});

afterAll(async () => {
  await world.close();
});

function textsOf(calls: readonly RecordedCall[]): string[] {
  return calls.flatMap((call) => TEXT_FIELDS.map((field) => call.args[field]).filter((value): value is string => value !== undefined));
}

describe('Slack: mentions in a prompt', () => {
  it('are escaped in the ack, the job message, every edit and the result, and ping nobody', async () => {
    const prompt = `a fox ${MENTIONS.join(' ')}`;
    await world.imagine('alice', `${prompt} --steps 3`);
    const result = await until(async () => (await world.messages()).find((m) => m.images === 1));
    expect(result).toBeDefined();

    const sent = world.fake.calls.all.filter((call) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'files.completeUploadExternal'].includes(call.method));
    expect(sent.map((call) => call.method)).toEqual(expect.arrayContaining(['chat.postMessage', 'chat.update', 'files.completeUploadExternal']));
    const texts = [...textsOf(sent), ...(await world.privateTo('alice'))];
    for (const mention of MENTIONS) {
      for (const text of texts) expect(text).not.toContain(mention);
    }
    // Still readable: the escaped form shows the characters the user typed.
    const notification = sent.find((call) => call.method === 'chat.postMessage')?.args['text'] ?? '';
    expect(notification).toContain('&lt;!channel&gt;');
    expect(world.fake.calls.all.filter((call) => call.method === 'chat.postMessage' && call.args['text']?.includes('<!'))).toEqual([]);
  });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
