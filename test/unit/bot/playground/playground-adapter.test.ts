import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readPngText } from '../../../../src/pipeline/image/png-text.js';
import type { WireMessage } from '../../../../src/bot/playground/wire-protocol.js';
import { createWorldState, startPlaygroundWorld } from '../../../e2e/playground/playground-world.js';
import type { PlaygroundWorld, WorldState } from '../../../e2e/playground/playground-world.js';
import { ScriptedGenerator, seedColour } from './scripted-generator.js';
import { TestTab } from './test-tab.js';

const MODEL = { name: 'tiny', kind: 'sd1', defaultSteps: 6 } as const;

let state: WorldState;
let generator: ScriptedGenerator;
let world: PlaygroundWorld;
const tabs: TestTab[] = [];

async function startWorld(options: Partial<Parameters<typeof startPlaygroundWorld>[0]> = {}): Promise<PlaygroundWorld> {
  return startPlaygroundWorld({ generator, model: MODEL, state, editIntervalMs: 0, ...options });
}

beforeEach(async () => {
  state = await createWorldState();
  generator = new ScriptedGenerator();
  world = await startWorld();
});

afterEach(async () => {
  for (const tab of tabs.splice(0)) tab.close();
  generator.resume();
  await world.close();
  await state.dispose();
});

async function tabOf(user: string, target: PlaygroundWorld = world): Promise<TestTab> {
  const tab = await TestTab.open(target.playground.url.replace('http://', 'ws://').replace('/?', '/ws?'));
  tabs.push(tab);
  tab.send({ type: 'hello', user });
  await tab.waitFor((message) => message.type === 'welcome');
  return tab;
}

const messages = (target: PlaygroundWorld = world): WireMessage[] => target.playground.channel.all();
const botMessages = (target?: PlaygroundWorld) => messages(target).filter((message) => message.author.kind === 'bot');
const fieldOf = (message: WireMessage | undefined, label: string) =>
  message?.fields.find((field) => field.label === label)?.value;
const buttonLabels = (message: WireMessage | undefined) => message?.buttonRows.flat().map((button) => button.label) ?? [];

async function finished(count: number, target: PlaygroundWorld = world): Promise<WireMessage[]> {
  await expect.poll(() => botMessages(target).filter((message) => message.images.length > 0).length, { timeout: 10_000 }).toBe(count);
  return botMessages(target).filter((message) => message.images.length > 0);
}

async function download(path: string, target: PlaygroundWorld = world): Promise<Uint8Array> {
  const token = new URL(target.playground.url).searchParams.get('token') ?? '';
  const response = await fetch(`${target.playground.origin}${path}?token=${token}&download=1`);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

describe('/imagine in the playground', () => {
  it('acknowledges at once, before the model runs, and records the message for the job', async () => {
    generator.hold();
    const tab = await tabOf('ann');
    tab.send({ type: 'command', user: 'ann', text: '/imagine a lighthouse at dusk --ar 3:2' });

    const ack = await tab.waitFor((message) => message.type === 'upsert' && message.message.author.kind === 'bot');
    expect(ack).toMatchObject({
      message: { tone: 'pending', replyTo: 'ann used /imagine a lighthouse at dusk --ar 3:2', text: expect.stringContaining('a lighthouse at dusk') },
    });
    expect(generator.jobs.length).toBeLessThanOrEqual(1);
    const messageId = ack.type === 'upsert' ? ack.message.id : '';
    await expect
      .poll(async () => (await world.jobStore.findByMessage({ platform: 'playground', channelId: 'playground', messageId }))?.request.prompt)
      .toBe('a lighthouse at dusk');
  });

  it('edits the same message into the result: parameters, buttons, 🔄, and the exact PNG bytes', async () => {
    const tab = await tabOf('ann');
    tab.send({ type: 'command', user: 'ann', text: '/imagine a lighthouse at dusk --ar 3:2 --seed 1234' });
    const [result] = await finished(1);

    expect(botMessages()).toHaveLength(1);
    expect(result).toMatchObject({ tone: 'normal', reactionControls: ['🔄'] });
    expect(result?.preview).toBeUndefined();
    expect(result?.text).toContain('a lighthouse at dusk');
    expect(fieldOf(result, 'Seed')).toBe('1234');
    expect(fieldOf(result, 'Steps')).toBe('6');
    expect(buttonLabels(result)).toEqual(['U1', '🔄 Re-roll', 'V1', '❌ Delete', '🖌️ Remix', 'Vary (Region)', 'Zoom Out 2×', 'Zoom Out 1.5×', '⬅️ Left', '➡️ Right', '⬆️ Up', '⬇️ Down']);
    expect(buttonLabels(result).slice(0, 4)).toEqual(['U1', '🔄 Re-roll', 'V1', '❌ Delete']);

    const image = result?.images[0];
    expect(image).toMatchObject({ filename: 'imagine-1234.png' });
    expect((image?.width ?? 0) / (image?.height ?? 1)).toBeCloseTo(3 / 2, 1);
    const png = await download(image?.path ?? '');
    const record = await world.jobStore.findByMessage({ platform: 'playground', channelId: 'playground', messageId: result?.id ?? '' });
    expect(png).toEqual(new Uint8Array((await world.images.get(record?.images[0]?.imageId ?? '')) ?? []));
    expect(readPngText(png).get('parameters')).toContain('Seed: 1234');
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual(seedColour(1234));
  });

  it('shows its place in line while another job runs', async () => {
    generator.hold();
    const ann = await tabOf('ann');
    const bob = await tabOf('bob');
    ann.send({ type: 'command', user: 'ann', text: '/imagine first' });
    await expect.poll(() => generator.jobs.length).toBe(1);
    bob.send({ type: 'command', user: 'bob', text: '/imagine second' });
    await expect.poll(() => botMessages().find((message) => message.replyTo === 'bob used /imagine second')?.text).toMatch(/1st in line/);
    generator.resume();
    await finished(2);
  });

  it.each([
    ['--steps 80', '`--steps`'],
    ['--ar 9:1', '`--ar`'],
    ['--cfg lots', '`--cfg`'],
    ['--sampler fastest', '`--sampler`'],
    ['--frobnicate 3', '`--frobnicate`'],
  ])('answers a bad flag (%s) privately with an error naming it', async (flags, named) => {
    const ann = await tabOf('ann');
    const bob = await tabOf('bob');
    ann.send({ type: 'command', user: 'ann', text: `/imagine a fox ${flags}` });
    const error = await ann.waitFor((message) => message.type === 'upsert' && message.message.tone === 'error');
    expect(error).toMatchObject({ message: { visibleTo: 'ann', text: expect.stringContaining(named) } });
    expect(generator.jobs).toEqual([]);
    bob.send({ type: 'command', user: 'bob', text: 'hello' });
    await bob.waitFor((message) => message.type === 'upsert' && message.message.text === 'hello');
    expect(bob.received.some((message) => message.type === 'upsert' && message.message.tone === 'error')).toBe(false);
  });

  it('refuses a request over the user limit on the job message, saying when to retry', async () => {
    await world.close();
    world = await startWorld({ perUserLimit: { capacity: 1, windowMs: 60_000 } });
    const tab = await tabOf('ann');
    tab.send({ type: 'command', user: 'ann', text: '/imagine one' });
    await finished(1);
    tab.send({ type: 'command', user: 'ann', text: '/imagine two' });
    await expect.poll(() => botMessages().find((message) => message.tone === 'error')?.text).toMatch(/You can make 1 image per 1 min\. Try again in (1 min|\d+ s)\./);
  });
});

describe('buttons and reactions on a result', () => {
  async function firstResult(): Promise<WireMessage> {
    const tab = await tabOf('ann');
    tab.send({ type: 'command', user: 'ann', text: '/imagine a red boat --seed 77' });
    const [result] = await finished(1);
    if (result === undefined) throw new Error('no result');
    return result;
  }

  const buttonId = (message: WireMessage, label: string) =>
    message.buttonRows.flat().find((button) => button.label.endsWith(label))?.id ?? '';

  it('Re-roll runs the same prompt with a new seed in a new message', async () => {
    const result = await firstResult();
    const bob = await tabOf('bob');
    bob.send({ type: 'button', user: 'bob', messageId: result.id, buttonId: buttonId(result, 'Re-roll') });
    const [, reroll] = await finished(2);
    expect(reroll?.replyTo).toBe('bob pressed 🔄 Re-roll');
    expect(reroll?.text).toContain('a red boat');
    expect(fieldOf(reroll, 'Seed')).not.toBe('77');
  });

  it('reacting 🔄 re-rolls; taking the reaction back does nothing', async () => {
    const result = await firstResult();
    const tab = await tabOf('ann');
    tab.send({ type: 'reaction', user: 'ann', messageId: result.id, emoji: '🔄' });
    await finished(2);
    tab.send({ type: 'reaction', user: 'ann', messageId: result.id, emoji: '🔄' });
    await expect.poll(() => world.playground.channel.get(result.id)?.reactions).toEqual([]);
    expect(generator.jobs).toHaveLength(2);
  });

  it('Delete removes the result for everyone', async () => {
    const result = await firstResult();
    const tab = await tabOf('ann');
    tab.send({ type: 'button', user: 'ann', messageId: result.id, buttonId: buttonId(result, 'Delete') });
    await tab.waitFor((message) => message.type === 'remove' && message.messageId === result.id);
    expect(world.playground.channel.get(result.id)).toBeUndefined();
  });

  it('re-rolls a result from before a restart, through the stored job record', async () => {
    const result = await firstResult();
    await world.close();
    world = await startWorld();

    const tab = await TestTab.open(world.playground.url.replace('http://', 'ws://').replace('/?', '/ws?'));
    tabs.push(tab);
    tab.send({ type: 'hello', user: 'ann' });
    const welcome = await tab.waitFor((message) => message.type === 'welcome');
    const restored = welcome.type === 'welcome' ? welcome.messages.find((message) => message.id === result.id) : undefined;
    expect(restored?.images).toHaveLength(1);
    expect(restored?.images[0]?.path).toBe(result.images[0]?.path);
    expect(readPngText(await download(restored?.images[0]?.path ?? '')).get('parameters')).toContain('Seed: 77');

    tab.send({ type: 'button', user: 'ann', messageId: result.id, buttonId: buttonId(result, 'Re-roll') });
    const [, reroll] = await finished(2);
    expect(reroll?.text).toContain('a red boat');
    expect(fieldOf(reroll, 'Seed')).not.toBe('77');
  });
});

describe('other commands and chat', () => {
  it.each([
    ['/help', /imagine/],
    ['/queue', /queue/i],
    ['/settings', /default/i],
    ['/dance', /`\/dance` isn't a command here/],
  ])('%s answers only the user who asked', async (line, expected) => {
    const tab = await tabOf('ann');
    tab.send({ type: 'command', user: 'ann', text: line });
    const reply = await tab.waitFor((message) => message.type === 'upsert' && message.message.author.kind === 'bot');
    if (reply.type !== 'upsert') throw new Error('expected a message');
    expect(reply.message.visibleTo).toBe('ann');
    expect([reply.message.title, reply.message.text, ...reply.message.fields.map((field) => field.value)].join('\n')).toMatch(expected);
  });

  it('posts plain text as the user, like a chat message', async () => {
    const tab = await tabOf('ann');
    tab.send({ type: 'command', user: 'ann', text: '  nice one!  ' });
    const posted = await tab.waitFor((message) => message.type === 'upsert');
    expect(posted).toMatchObject({ message: { author: { kind: 'user', name: 'ann' }, text: 'nice one!' } });
  });
});
