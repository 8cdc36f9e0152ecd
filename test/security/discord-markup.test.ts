// A prompt echoed in a Discord message must not ping anyone or dress itself up as the bot's own
// markup: no heading, no disguised link, no spoiler, no quote. Asserted on what reached the fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatWorld } from '../contract/chat-surface.contract.js';
import { startDiscordWorld } from '../contract/chat-worlds.js';
import type { FakeDiscord } from '../e2e/fake-discord/fake-discord.js';

const ATTACK = '# Free Nitro [login](https://nitro.example/claim) @everyone ||hidden||';

let world: ChatWorld & { readonly fake: FakeDiscord };

beforeAll(async () => {
  world = await startDiscordWorld();
});

afterAll(async () => {
  await world.close();
});

/** Would Discord render `content` with a heading line or a masked link? */
function rendersMarkup(content: string): boolean {
  const heading = /^#{1,3} /m.test(content);
  const maskedLink = /(^|[^\\])\[[^\]]*(?<!\\)\]\(https?:\/\//.test(content);
  const spoiler = /(^|[^\\])\|\|/.test(content);
  return heading || maskedLink || spoiler;
}

describe('Discord: markup in a prompt', () => {
  it('is shown as typed in every message and edit, never as a heading or a disguised link, and mentions nobody', async () => {
    await world.imagine('alice', `${ATTACK} --steps 3`);
    const deadline = Date.now() + 20_000;
    while (!(await world.messages()).some((m) => m.images === 1) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));

    const bodies = world.fake.requests
      .filter((r) => (r.method === 'PATCH' || r.method === 'POST') && (r.path.includes('/messages') || r.path.startsWith('/webhooks')))
      .map((r) => r.json as { content?: string; allowed_mentions?: { parse?: unknown[] } } | undefined)
      .filter((body) => body?.content !== undefined);
    expect(bodies.length).toBeGreaterThan(1);
    const echoed = bodies.filter((body) => body?.content?.includes('Free Nitro') === true);
    expect(echoed.length).toBeGreaterThan(0);
    for (const body of echoed) {
      expect(rendersMarkup(body?.content ?? '')).toBe(false);
      // The link is still there to read, not hidden behind "login".
      expect(body?.content).toContain('nitro.example/claim');
    }
    // discord.js sends the client's allowed_mentions with every message: nobody is pinged.
    for (const body of bodies) expect(body?.allowed_mentions?.parse ?? []).toEqual([]);
    const result = (await world.messages()).find((m) => m.images === 1);
    expect(result?.text).toContain('\\# Free Nitro');
  });
});
