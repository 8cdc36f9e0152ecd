import { describe, expect, it } from 'vitest';
import { parseInlineFlags, type ParsedFlags } from '../../../src/commands/inline-flags.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';

function parsed(text: string): ParsedFlags {
  const result = parseInlineFlags(text);
  if (UserFacingError.is(result)) throw new Error(`expected flags, got refusal: ${result.message}`);
  return result;
}

function valuesOf(flags: ParsedFlags): Record<string, string> {
  return Object.fromEntries(Object.entries(flags.values).map(([name, flag]) => [name, flag.value]));
}

const LONG_WORDS = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');

describe('parseInlineFlags: what stays in the prompt and what becomes an option', () => {
  it.each([
    {
      name: 'the example from the issue',
      text: 'a fox in snow --ar 3:2 --seed 42 --no text, watermark --steps 30 --cfg 6 --sampler euler_a --n 2 --model turbo',
      prompt: 'a fox in snow',
      negative: ['text, watermark'],
      values: { ar: '3:2', seed: '42', steps: '30', cfg: '6', sampler: 'euler_a', count: '2', model: 'turbo' },
    },
    { name: 'flags at the start', text: '--ar 16:9 --seed 7 a castle at dusk', prompt: 'a castle at dusk', negative: [], values: { ar: '16:9', seed: '7' } },
    { name: 'a flag in the middle', text: 'a castle --seed 7 at dusk', prompt: 'a castle at dusk', negative: [], values: { seed: '7' } },
    { name: 'a flag at the end', text: 'a castle at dusk --steps 12', prompt: 'a castle at dusk', negative: [], values: { steps: '12' } },
    { name: 'no flags at all', text: '  a quiet lake  ', prompt: 'a quiet lake', negative: [], values: {} },
    { name: 'a hyphen pair inside a word', text: 'rock--paper--scissors', prompt: 'rock--paper--scissors', negative: [], values: {} },
    { name: 'a spaced double hyphen', text: 'a -- b', prompt: 'a -- b', negative: [], values: {} },
    { name: 'a double hyphen before a digit', text: 'countdown --5 --4', prompt: 'countdown --5 --4', negative: [], values: {} },
    { name: 'a trailing double hyphen', text: 'wait for it --', prompt: 'wait for it --', negative: [], values: {} },
    { name: 'a negative number as value', text: 'x --cfg -1', prompt: 'x', negative: [], values: { cfg: '-1' } },
    { name: 'an escaped flag is kept literally', text: 'a sign saying \\--help please', prompt: 'a sign saying --help please', negative: [], values: {} },
    { name: 'upper-case flag names', text: 'a fox --AR 2:3 --Seed 5', prompt: 'a fox', negative: [], values: { ar: '2:3', seed: '5' } },
    { name: 'aliases --aspect and --count', text: 'a fox --aspect 2:3 --count 3', prompt: 'a fox', negative: [], values: { ar: '2:3', count: '3' } },
    { name: 'name=value', text: 'a fox --seed=42 --ar=3:2', prompt: 'a fox', negative: [], values: { seed: '42', ar: '3:2' } },
    { name: 'a quoted value', text: 'a fox --style "anime" in snow', prompt: 'a fox in snow', negative: [], values: { style: 'anime' } },
    { name: 'a curly-quoted value', text: 'a fox --model \u201cturbo\u201d', prompt: 'a fox', negative: [], values: { model: 'turbo' } },
    { name: 'quotes in ordinary text are left alone', text: 'a sign that says "hello" --ar 1:1', prompt: 'a sign that says "hello"', negative: [], values: { ar: '1:1' } },
    { name: 'phone em dash flags', text: 'a fox \u2014ar 3:2 \u2014seed 9', prompt: 'a fox', negative: [], values: { ar: '3:2', seed: '9' } },
    { name: 'an en dash flag', text: 'a fox \u2013n 2', prompt: 'a fox', negative: [], values: { count: '2' } },
    { name: 'an em dash before an ordinary word stays prose', text: 'wait \u2014really? --seed 1', prompt: 'wait \u2014really?', negative: [], values: { seed: '1' } },
    { name: 'unicode prompt', text: '東京の夜景、ネオン --ar 16:9', prompt: '東京の夜景、ネオン', negative: [], values: { ar: '16:9' } },
    { name: 'emoji prompt', text: '🦊 in ❄️ --n 4 🌲', prompt: '🦊 in ❄️ 🌲', negative: [], values: { count: '4' } },
    { name: 'unicode spaces separate flags', text: 'a fox\u00a0--seed\u00a03', prompt: 'a fox', negative: [], values: { seed: '3' } },
    { name: 'newlines separate flags', text: 'a fox\n--seed 3\nin snow', prompt: 'a fox in snow', negative: [], values: { seed: '3' } },
    { name: 'punctuation after a removed flag joins without a space', text: 'a fox --seed 3, in snow', prompt: 'a fox, in snow', negative: [], values: { seed: '3' } },
    { name: 'a trailing comma before flags is dropped', text: 'a fox in snow, --ar 3:2', prompt: 'a fox in snow', negative: [], values: { ar: '3:2' } },
    { name: 'a very long prompt keeps every word', text: `${LONG_WORDS} --seed 1`, prompt: LONG_WORDS, negative: [], values: { seed: '1' } },
    { name: 'clip-skip spelled both ways', text: 'x --clipskip 2', prompt: 'x', negative: [], values: { 'clip-skip': '2' } },
  ])('$name', ({ text, prompt, negative, values }) => {
    const flags = parsed(text);
    expect(flags.prompt).toBe(prompt);
    expect(flags.negative).toEqual(negative);
    expect(valuesOf(flags)).toEqual(values);
  });
});

describe('--no lists', () => {
  it.each([
    { text: 'a fox --no text, watermark', negative: ['text, watermark'], prompt: 'a fox' },
    { text: 'a fox --no text, watermark --ar 3:2', negative: ['text, watermark'], prompt: 'a fox' },
    { text: 'a fox --no text --seed 1 --no blur, noise', negative: ['text', 'blur, noise'], prompt: 'a fox' },
    { text: '--no people, cars a busy street', negative: ['people, cars a busy street'], prompt: '' },
    { text: 'a fox --no "text, logos"', negative: ['text, logos'], prompt: 'a fox' },
    { text: 'a fox --no text,', negative: ['text'], prompt: 'a fox' },
    { text: 'a fox --no 文字、透かし 🚫', negative: ['文字、透かし 🚫'], prompt: 'a fox' },
  ])('$text', ({ text, negative, prompt }) => {
    const flags = parsed(text);
    expect(flags.negative).toEqual(negative);
    expect(flags.prompt).toBe(prompt);
  });
});

describe('refusals name the flag, the value and what is allowed', () => {
  it.each([
    { name: 'unknown flag', text: 'a fox --foo bar', option: '--foo', mentions: ['--foo', '--ar', '\\--foo'] },
    { name: 'unknown flag at the start', text: '--quality 2 a fox', option: '--quality', mentions: ['--quality'] },
    { name: 'a value glued to the flag', text: 'a fox --ar16:9', option: '--ar16:9', mentions: ['--ar16:9', 'put a space', '`--ar`'] },
    { name: 'a colon glued to the flag', text: 'a fox --seed:5', option: '--seed:5', mentions: ['`--seed`'] },
    { name: 'missing value at the end', text: 'a fox --seed', option: '--seed', mentions: ['--seed', 'needs a value', '--seed 42'] },
    { name: 'missing value before another flag', text: 'a fox --steps --seed 3', option: '--steps', mentions: ['--steps 30'] },
    { name: 'empty --no', text: 'a fox --no', option: '--no', mentions: ['--no text, watermark'] },
    { name: 'a flag given twice', text: 'a fox --seed 1 --seed 2', option: '--seed', mentions: ['--seed', 'more than once'] },
    { name: 'two aliases of one flag', text: 'a fox --n 1 --count 2', option: '--count', mentions: ['--count'] },
    { name: '--ar together with --size', text: 'a fox --ar 3:2 --size 512x512', option: '--size', mentions: ['--ar', '--size'] },
    { name: 'an unclosed quote', text: 'a fox --style "anime', option: '--style', mentions: ['--style', 'quote'] },
  ])('$name', ({ text, option, mentions }) => {
    const result = parseInlineFlags(text);
    expect(UserFacingError.is(result)).toBe(true);
    if (!UserFacingError.is(result)) return;
    expect(result.code).toBe('invalid_option');
    expect(result.details.option).toBe(option);
    expect(result.details.allowed).toBeTruthy();
    for (const text of mentions) expect(result.message).toContain(text);
  });

  it('quotes the flag as the user typed it', () => {
    const result = parseInlineFlags('a fox --N 1 --n 2');
    expect(UserFacingError.is(result) && result.details.option).toBe('--n');
  });
});
