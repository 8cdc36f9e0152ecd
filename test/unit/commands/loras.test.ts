// LoRAs in /imagine: `<lora:NAME:WEIGHT>` tags, repeatable `--lora`, the `lora` option, and the limits.
import { describe, expect, it } from 'vitest';
import { buildImagineRequest } from '../../../src/commands/imagine.js';
import { parseInlineFlags } from '../../../src/commands/inline-flags.js';
import { closestNames } from '../../../src/commands/lora-choice.js';
import { messages } from '../../../src/commands/messages.js';
import { progressReply, resultReply } from '../../../src/commands/replies.js';
import { extractLoraTags } from '../../../src/commands/lora-tags.js';
import type { LoraEntry } from '../../../src/commands/ports.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';
import { imagineInvocation, sequence, testConfig } from './support/fixtures.js';

const LORAS: LoraEntry[] = ['ink', 'glow', 'film grain', 'pixel', 'watercolor'].map((name) => ({ name, family: 'sd1', triggerWords: [] }));
const config = testConfig();

function imagine(text: string, options: Record<string, string> = {}) {
  return buildImagineRequest(imagineInvocation(text, options), { config, settings: {}, random: sequence(0.5), loras: LORAS });
}

describe('<lora:…> tags', () => {
  it.each([
    ['a cat <lora:ink:0.6>, night', 'a cat, night', [['ink', '0.6']]],
    ['<lora:film grain>a dog', 'a dog', [['film grain', undefined]]],
    ['a <LORA:glow:-1> fox <lora:ink:1.5>', 'a fox', [['glow', '-1'], ['ink', '1.5']]],
    ['no tags here', 'no tags here', []],
  ])('%s', (prompt, rest, asks) => {
    const extracted = extractLoraTags(prompt);
    expect(extracted.prompt).toBe(rest);
    expect(extracted.asks.map((ask) => [ask.name, ask.weight])).toEqual(asks);
  });

  it('--lora repeats, unlike other flags', () => {
    const flags = parseInlineFlags('a cat --lora ink:0.5 --seed 3 --lora glow');
    expect(UserFacingError.is(flags) ? flags.message : flags.loras).toEqual([{ flag: '--lora', value: 'ink:0.5' }, { flag: '--lora', value: 'glow' }]);
  });
});

describe('/imagine with LoRAs', () => {
  it('takes tags, flags and the option together, the last weight winning for a repeated name', () => {
    const request = imagine('a cat <lora:ink:0.5> --lora glow:-0.25 <lora:ink:0.8>', { lora: 'film grain' });
    if (UserFacingError.is(request)) throw request;
    expect(request.prompt).toBe('a cat');
    expect(request.loras).toEqual([{ name: 'ink', weight: 0.8 }, { name: 'glow', weight: -0.25 }, { name: 'film grain', weight: 1 }]);
  });

  it('refuses a fifth LoRA and weights outside −2…2', () => {
    const five = imagine('a cat <lora:ink> <lora:glow> <lora:pixel> <lora:watercolor> --lora "film grain"');
    expect(UserFacingError.is(five) && five.message).toContain('that asks for 5 LoRAs; at most 4 can be used at once');
    const heavy = imagine('a cat --lora ink:-3');
    expect(UserFacingError.is(heavy) && heavy.message).toBe('The weight in `--lora ink:-3` must be a number from -2 to 2, got `-3`.');
    const word = imagine('a cat <lora:ink:lots>');
    expect(UserFacingError.is(word) && word.details).toMatchObject({ option: '<lora:ink:lots>', value: 'lots' });
  });

  it('refuses names when no LoRA is installed', () => {
    const request = buildImagineRequest(imagineInvocation('a cat <lora:ink>'), { config, settings: {}, random: sequence(0.5) });
    expect(UserFacingError.is(request) && request.message).toBe('`<lora:ink>`: there is no LoRA `ink`, and no LoRAs are installed.');
  });

  it('offers names containing what was typed first, then the nearest by spelling', () => {
    expect(closestNames('grain', LORAS.map((lora) => lora.name))).toEqual(['film grain', 'glow', 'ink']);
    expect(closestNames('pixl', LORAS.map((lora) => lora.name))).toEqual(['pixel', 'ink', 'glow']);
  });
});

describe('LoRAs in replies', () => {
  it('shows "Applying LoRA" while a new set is applied, the LoRAs of a result, and partial matches', () => {
    expect(progressReply({ step: 0, total: 20, phase: 'applying_lora' }).text).toBe(messages.progress.applyingLora);
    const request = imagine('a cat <lora:ink:0.5> --lora glow');
    if (UserFacingError.is(request)) throw request;
    const reply = resultReply({
      jobId: 'job-1',
      request,
      images: [{ seed: 1, width: 64, height: 64, nsfw: false }],
      loras: [
        { name: 'ink', weight: 0.5, hash: 'abcdef012345', applied: 192, total: 264 },
        { name: 'glow', weight: 1, hash: '0123456789ab', applied: 128, total: 128 },
      ],
    });
    expect(reply.text.split('\n')).toEqual(['a cat', 'LoRA `ink`: 192 of 264 modules applied; the others match nothing in this model.']);
    expect(reply.fields?.find((field) => field.label === 'LoRAs')?.value).toBe('ink:0.5, glow:1');
  });
});
