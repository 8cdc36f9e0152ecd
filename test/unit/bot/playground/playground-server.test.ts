import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AccessToken } from '../../../../src/bot/playground/access-token.js';
import { imagePath, MemoryImageStore } from '../../../../src/bot/playground/image-store.js';
import { PlaygroundChannel } from '../../../../src/bot/playground/playground-channel.js';
import { PlaygroundServer } from '../../../../src/bot/playground/playground-server.js';
import type { ClientMessageHandler } from '../../../../src/bot/playground/playground-server.js';
import type { ClientMessage, ServerMessage } from '../../../../src/bot/playground/wire-protocol.js';
import { TestTab } from './test-tab.js';

const bot = { kind: 'bot', name: 'imagine' } as const;
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 255, 0, 7]);

let server: PlaygroundServer;
let channel: PlaygroundChannel;
let images: MemoryImageStore;
let token: AccessToken;
let received: ClientMessage[];
let handler: ClientMessageHandler;
let logLines: string[];
const tabs: TestTab[] = [];

beforeEach(async () => {
  token = AccessToken.generate();
  channel = new PlaygroundChannel({ historyLimit: 50 });
  images = new MemoryImageStore(10);
  received = [];
  logLines = [];
  handler = (message) => {
    received.push(message);
  };
  server = await PlaygroundServer.start({
    host: '127.0.0.1',
    port: 0,
    token,
    channel,
    images,
    onClientMessage: (message, client) => handler(message, client),
    logger: pino({ level: 'warn' }, { write: (line: string) => logLines.push(line) }),
  });
});

afterEach(async () => {
  for (const tab of tabs.splice(0)) tab.close();
  await server.close();
});

const withToken = (path: string, value = token.value) => `${server.origin}${path}${path.includes('?') ? '&' : '?'}token=${value}`;
const socketUrl = (value = token.value) => `ws://127.0.0.1:${server.port}/ws?token=${value}`;

async function openTab(user: string): Promise<TestTab> {
  const tab = await TestTab.open(socketUrl());
  tabs.push(tab);
  tab.send({ type: 'hello', user });
  await tab.waitFor((message) => message.type === 'welcome');
  return tab;
}

const upsertOf = (text: string) => (message: ServerMessage) => message.type === 'upsert' && message.message.text === text;

describe('PlaygroundServer: the token', () => {
  it('prints a loopback URL that carries the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${token.value}`);
  });

  it.each(['/', '/images/x/y.png', '/nowhere'])('refuses %s without the token, or with a wrong one', async (path) => {
    expect((await fetch(`${server.origin}${path}`)).status).toBe(403);
    expect((await fetch(withToken(path, AccessToken.generate().value))).status).toBe(403);
  });

  it('serves the page with the token and its assets to anyone, setting no cookie a foreign page could ride on', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/assets/app.js');
    expect(page.headers.get('set-cookie')).toBeNull();

    const script = await fetch(`${server.origin}/assets/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
  });

  it('refuses a WebSocket without the token', async () => {
    await expect(TestTab.open(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow('403');
    await expect(TestTab.open(socketUrl('wrong'))).rejects.toThrow('403');
  });
});

describe('PlaygroundServer: images', () => {
  it('serves the exact PNG bytes, inline for display and as an attachment for download', async () => {
    await images.put('5a1e', PNG);
    const path = imagePath('5a1e', 'lighthouse-42.png');

    const shown = await fetch(withToken(path));
    expect(shown.headers.get('content-type')).toBe('image/png');
    expect(shown.headers.get('content-disposition')).toBe('inline; filename="lighthouse-42.png"');
    expect(new Uint8Array(await shown.arrayBuffer())).toEqual(PNG);

    const saved = await fetch(withToken(`${path}?download=1`));
    expect(saved.headers.get('content-disposition')).toBe('attachment; filename="lighthouse-42.png"');
    expect(new Uint8Array(await saved.arrayBuffer())).toEqual(PNG);
  });

  it('answers 404 for an image it does not keep', async () => {
    expect((await fetch(withToken('/images/unknown/a.png'))).status).toBe(404);
    expect((await fetch(withToken('/images/..%2F..%2Fetc/a.png'))).status).toBe(404);
  });
});

describe('PlaygroundServer: the live channel', () => {
  it('welcomes a tab with the history its user may see', async () => {
    channel.post({ author: bot, text: 'public' });
    channel.post({ author: bot, text: 'for bob', visibleTo: 'bob' });
    const tab = await TestTab.open(socketUrl());
    tabs.push(tab);
    tab.send({ type: 'hello', user: 'ann' });
    const welcome = await tab.waitFor((message) => message.type === 'welcome');
    expect(welcome).toMatchObject({ user: 'ann', messages: [{ text: 'public' }] });
  });

  it('passes valid commands, clicks and reactions to the handler', async () => {
    const tab = await openTab('ann');
    const sent: ClientMessage[] = [
      { type: 'command', user: 'ann', text: '/imagine a lighthouse --ar 3:2' },
      { type: 'button', user: 'ann', messageId: 'm1', buttonId: 'reroll' },
      { type: 'reaction', user: 'ann', messageId: 'm1', emoji: '🔄' },
    ];
    for (const message of sent) tab.send(message);
    await expect.poll(() => received).toEqual(sent);
  });

  it.each([
    ['not JSON', '{oops', 'message'],
    ['an unknown type', { type: 'shout', user: 'ann' }, 'type'],
    ['a bad name', { type: 'command', user: '<script>', text: '/help' }, 'user'],
    ['an overlong command', { type: 'command', user: 'ann', text: 'x'.repeat(2_001) }, 'text'],
  ])('rejects %s, telling only that tab why', async (_label, payload, field) => {
    const tab = await openTab('ann');
    tab.send(payload);
    const rejected = await tab.waitFor((message) => message.type === 'rejected');
    expect(rejected).toMatchObject({ reason: expect.stringContaining(field) });
    expect(received).toEqual([]);
  });

  it('sends channel changes to every tab, and private replies only to their user', async () => {
    const ann = await openTab('ann');
    const bob = await openTab('bob');
    channel.post({ author: bot, text: 'for ann', visibleTo: 'ann' });
    const shared = channel.post({ author: bot, text: 'for all' });
    await ann.waitFor(upsertOf('for all'));
    await bob.waitFor(upsertOf('for all'));
    channel.remove(shared.id);
    await bob.waitFor((message) => message.type === 'remove' && message.messageId === shared.id);

    expect(ann.received.some(upsertOf('for ann'))).toBe(true);
    expect(bob.received.some(upsertOf('for ann'))).toBe(false);
  });

  it('keeps serving after a handler fails, and logs the failure', async () => {
    handler = () => {
      throw new Error('handler exploded');
    };
    const tab = await openTab('ann');
    tab.send({ type: 'command', user: 'ann', text: '/imagine boom' });
    await expect.poll(() => logLines.join('')).toContain('handler exploded');

    const again = await openTab('bob');
    channel.post({ author: bot, text: 'still here' });
    await again.waitFor(upsertOf('still here'));
    expect((await fetch(server.url)).status).toBe(200);
  });
});
