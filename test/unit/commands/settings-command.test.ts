import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import type { Invocation, OptionValue } from '../../../src/commands/invocation.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { settingsCommand } from '../../../src/commands/settings-command.js';
import { requester, testConfig } from './support/fixtures.js';

const config = testConfig();
const USER = 'discord:user-1';

function setup(keyv = new Keyv()): { keyv: Keyv; run: (invocation: Partial<Invocation>) => ReturnType<typeof settingsCommand> } {
  const run = (invocation: Partial<Invocation>): ReturnType<typeof settingsCommand> =>
    settingsCommand(
      { requester: requester(), command: 'settings', options: {}, attachments: [], ...invocation },
      { config, settings: new KeyvUserSettingsStore(keyv) },
    );
  return { keyv, run };
}

const set = (options: Record<string, OptionValue>): Partial<Invocation> => ({ subcommand: 'set', options });

function fieldsOf(reply: { fields?: readonly { label: string; value: string }[] }): Record<string, string> {
  return Object.fromEntries((reply.fields ?? []).map((field) => [field.label, field.value]));
}

describe('/settings', () => {
  it('saves defaults in keyv, where a fresh store (after a restart) finds them', async () => {
    const keyv = new Keyv();
    const first = setup(keyv);
    const reply = await first.run(set({ sampler: 'DPM++ 2M', steps: 30, ar: '3 : 2', negative: 'blurry', style: 'ANIME' }));
    expect(reply.text).toBe('Saved. These apply to your next /imagine; options you type still win.');
    expect(await new KeyvUserSettingsStore(keyv).get(USER)).toEqual({
      sampler: 'dpmpp_2m', steps: 30, size: '3:2', negative: 'blurry', style: 'anime',
    });
    const shown = await setup(keyv).run({ subcommand: 'show' });
    expect(fieldsOf(shown)).toEqual({ Sampler: 'DPM++ 2M', Steps: '30', Size: '3:2', 'Negative prompt': 'blurry', Style: 'anime' });
    expect(shown.ephemeral).toBe(true);
  });

  it('merges with what was saved before, and `default` clears one value', async () => {
    const { run } = setup();
    await run(set({ steps: 30, style: 'anime' }));
    await run(set({ sampler: 'euler' }));
    const reply = await run(set({ style: 'default' }));
    expect(fieldsOf(reply)).toMatchObject({ Steps: '30', Sampler: 'Euler', Style: "model's default" });
  });

  it('reads Slack text with flags', async () => {
    const { keyv, run } = setup();
    await run({ text: 'set --steps 12 --size 800x600 --no text, logos' });
    expect(await new KeyvUserSettingsStore(keyv).get(USER)).toEqual({ steps: 12, size: '800x600', negative: 'text, logos' });
  });

  it('reset clears everything', async () => {
    const { keyv, run } = setup();
    await run(set({ steps: 30 }));
    expect((await run({ text: 'reset' })).text).toBe('Your defaults are cleared.');
    expect(await new KeyvUserSettingsStore(keyv).get(USER)).toEqual({});
  });

  it('keeps settings per user', async () => {
    const { keyv, run } = setup();
    await run(set({ steps: 30 }));
    expect(await new KeyvUserSettingsStore(keyv).get('discord:someone-else')).toEqual({});
  });

  it.each([
    { invocation: set({ steps: 500 }), text: '`steps` must be a whole number from 1 to 50, got `500`.' },
    { invocation: set({ sampler: 'warp' }), text: '`sampler` must be one of euler, euler_a, ddim, dpmpp_2m, dpmpp_2m_karras, lcm; got `warp`.' },
    { invocation: set({ style: 'vaporwave' }), text: '`style` must be one of anime, cinematic; got `vaporwave`.' },
    { invocation: set({ ar: '3:2', size: '512x512' }), text: 'Use either `ar` or `size`, not both; got `3:2` and `512x512`.' },
    { invocation: set({}), text: 'Nothing to save' },
    { invocation: { text: 'set --seed 5' }, text: '`--seed` can\'t be saved as a default' },
    { invocation: { text: 'set make it pretty' }, text: 'I didn\'t understand `make it pretty`' },
    { invocation: { text: 'delete' }, text: '`/settings delete` isn\'t a settings command. Use one of show, set, reset, server.' },
  ])('refuses $invocation without saving', async ({ invocation, text }) => {
    const { keyv, run } = setup();
    const reply = await run(invocation);
    expect(reply.kind).toBe('error');
    expect(reply.ephemeral).toBe(true);
    expect(reply.text).toContain(text);
    expect(await new KeyvUserSettingsStore(keyv).get(USER)).toEqual({});
  });

  it('drops stored fields that no longer validate instead of failing', async () => {
    const keyv = new Keyv();
    await keyv.set(`user-settings:${USER}`, { steps: 'lots', sampler: 'euler', extra: true });
    expect(await new KeyvUserSettingsStore(keyv).get(USER)).toEqual({ sampler: 'euler' });
    await keyv.set(`user-settings:${USER}`, 'garbage');
    expect(await new KeyvUserSettingsStore(keyv).get(USER)).toEqual({});
  });

  it('uses its own key prefix, so it can share a Keyv with other stores', async () => {
    const keyv = new Keyv();
    await new KeyvUserSettingsStore(keyv, 'prefs').set(USER, { steps: 3 });
    expect(await keyv.get(`prefs:${USER}`)).toEqual({ steps: 3 });
    expect(await new KeyvUserSettingsStore(keyv).get(USER)).toEqual({});
  });
});
