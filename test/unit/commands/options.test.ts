// The schema adapters register as slash commands must satisfy Discord's rules, or registration fails.
import { describe, expect, it } from 'vitest';
import { autocompleteChoices } from '../../../src/commands/autocomplete.js';
import { FLAG_ALIASES } from '../../../src/commands/inline-flags.js';
import { COMMAND_NAMES } from '../../../src/commands/invocation.js';
import { MAX_CHOICES, commandSpecs, imagineOptions, type OptionSpec } from '../../../src/commands/options.js';
import { SAMPLER_NAMES } from '../../../src/pipeline/types.js';
import { testConfig } from './support/fixtures.js';

const DISCORD_NAME = /^[-_\p{Ll}\p{N}]{1,32}$/u;
const MAX_DESCRIPTION = 100;
const MAX_OPTIONS = 25;

const config = testConfig();
const specs = commandSpecs(config);
const allOptionLists: (readonly OptionSpec[])[] = specs.flatMap((spec) => [spec.options, ...(spec.subcommands ?? []).map((sub) => sub.options)]);

describe('command specs', () => {
  it('cover every command the handlers know', () => {
    expect(specs.map((spec) => spec.name)).toEqual([...COMMAND_NAMES]);
  });

  it('use names and descriptions Discord accepts', () => {
    const named = [...specs, ...specs.flatMap((spec) => spec.subcommands ?? []), ...allOptionLists.flat()];
    for (const item of named) {
      expect(item.name, item.name).toMatch(DISCORD_NAME);
      expect(item.description.length, item.name).toBeGreaterThan(0);
      expect(item.description.length, item.name).toBeLessThanOrEqual(MAX_DESCRIPTION);
    }
  });

  it('put required options first, keep lists short and choices unique', () => {
    for (const options of allOptionLists) {
      expect(options.length).toBeLessThanOrEqual(MAX_OPTIONS);
      const firstOptional = options.findIndex((option) => !option.required);
      if (firstOptional >= 0) expect(options.slice(firstOptional).every((option) => !option.required)).toBe(true);
      expect(new Set(options.map((option) => option.name)).size).toBe(options.length);
      for (const option of options) {
        expect(option.choices === undefined || option.autocomplete !== true, option.name).toBe(true);
        expect((option.choices ?? []).length).toBeLessThanOrEqual(MAX_CHOICES);
        if (option.minValue !== undefined && option.maxValue !== undefined) expect(option.minValue).toBeLessThanOrEqual(option.maxValue);
      }
    }
  });

  it('marks the admin command', () => {
    expect(specs.find((spec) => spec.name === 'admin')?.adminOnly).toBe(true);
  });
});

describe('/imagine options', () => {
  const options = imagineOptions(config);
  const byName = (name: string): OptionSpec | undefined => options.find((option) => option.name === name);

  it('offer everything the issue lists', () => {
    expect(options.map((option) => option.name)).toEqual([
      'prompt', 'negative', 'seed', 'steps', 'cfg', 'sampler', 'ar', 'size', 'count', 'model', 'image', 'mask', 'strength', 'lora', 'style', 'clip-skip',
      'hires', 'hires-steps', 'hires-denoise', 'hires-upscaler', 'upscaler',
    ]);
    expect(byName('prompt')?.required).toBe(true);
    expect(byName('image')?.type).toBe('attachment');
    expect(byName('mask')?.type).toBe('attachment');
  });

  it('take ranges and choices from the pipeline and the config', () => {
    expect(byName('count')).toMatchObject({ minValue: 1, maxValue: 4, default: 1 });
    expect(byName('steps')).toMatchObject({ minValue: 1, maxValue: 50 });
    expect(byName('sampler')?.choices?.map((choice) => choice.value)).toEqual([...SAMPLER_NAMES].filter((name) => name !== 'lcm'));
    expect(byName('model')).toMatchObject({ default: 'sd15', choices: ['sd15', 'turbo', 'xl'].map((name) => ({ name, value: name })) });
    expect(byName('style')?.choices?.map((choice) => choice.value)).toEqual(['anime', 'cinematic', 'none']);
    expect(byName('strength')).toMatchObject({ minValue: 0.05, maxValue: 1, default: 0.75 });
    expect(byName('hires')).toMatchObject({ minValue: 1, maxValue: 2, flags: ['--hires'] });
    expect(byName('hires-denoise')).toMatchObject({ minValue: 0, maxValue: 1, default: 0.5 });
  });

  it('list the inline flags of each option, and every flag belongs to an option', () => {
    expect(byName('count')?.flags).toEqual(['--n', '--count']);
    expect(byName('ar')?.flags).toEqual(['--ar', '--aspect']);
    const listed = options.flatMap((option) => option.flags ?? []);
    expect(listed.sort()).toEqual(Object.keys(FLAG_ALIASES).map((alias) => `--${alias}`).sort());
  });

  it('leave out style and clip-skip when nothing configured uses them', () => {
    const bare = testConfig({ models: { turbo: { kind: 'sd-turbo' } }, defaultModel: 'turbo', styles: {} });
    const names = imagineOptions(bare).map((option) => option.name);
    expect(names).not.toContain('style');
    expect(names).not.toContain('clip-skip');
  });

  it('switch model choices to autocomplete beyond 25 models', () => {
    const models = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`m${i}`, { kind: 'sd1' }]));
    const many = testConfig({ models, defaultModel: 'm0' });
    const model = imagineOptions(many).find((option) => option.name === 'model');
    expect(model).toMatchObject({ autocomplete: true });
    expect(model?.choices).toBeUndefined();
    expect(autocompleteChoices('model', 'm1', many).map((choice) => choice.value)).toEqual(['m1', ...Array.from({ length: 10 }, (_, i) => `m1${i}`)]);
  });
});

describe('autocomplete', () => {
  it('suggests aspect ratios with the size they give on the chosen model', () => {
    expect(autocompleteChoices('ar', '16', config)).toEqual([{ name: '16:9 (640×384)', value: '16:9' }]);
    expect(autocompleteChoices('ar', '16', config, 'xl')).toEqual([{ name: '16:9 (1344×768)', value: '16:9' }]);
    expect(autocompleteChoices('ar', '', config).length).toBeGreaterThan(5);
  });

  it('suggests styles including none, and nothing for other options', () => {
    expect(autocompleteChoices('style', 'AN', config)).toEqual([{ name: 'anime', value: 'anime' }]);
    // LoRAs: names starting with what was typed, then names containing it; never more than Discord takes.
    const loras = ['pixel-art', 'detail', 'art-nouveau', ...Array.from({ length: 30 }, (_, i) => `style-${i}`)];
    expect(autocompleteChoices('lora', 'art', config, undefined, loras).map((choice) => choice.value)).toEqual(['art-nouveau', 'pixel-art']);
    expect(autocompleteChoices('lora', '', config, undefined, loras)).toHaveLength(25);
    expect(imagineOptions(config).find((option) => option.name === 'lora')).toMatchObject({ autocomplete: true, flags: ['--lora'] });
    expect(autocompleteChoices('seed', '1', config)).toEqual([]);
  });
});
