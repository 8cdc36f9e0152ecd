// Property test: thousands of random /imagine inputs from a seeded generator. Each must give either
// a request that respects every limit, or a clear refusal that names the option. Nothing may throw.
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../../src/commands/generate-request.js';
import { buildImagineRequest } from '../../../src/commands/imagine.js';
import { FLAG_ALIASES } from '../../../src/commands/inline-flags.js';
import type { InvocationAttachment, OptionValue } from '../../../src/commands/invocation.js';
import { MAX_CLIP_SKIP, MAX_GUIDANCE_SCALE, MIN_STRENGTH, SIZE_STEP } from '../../../src/commands/limits.js';
import type { UserSettings } from '../../../src/commands/user-settings.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';
import { SeededRng } from '../../../src/pipeline/sd/rng.js';
import { MAX_SEED } from '../../../src/pipeline/types.js';
import { imagineInvocation, testConfig } from './support/fixtures.js';

const CASES = 5000;
const config = testConfig();

const WORDS = [
  'a', 'fox', 'in', 'snow', 'castle', '東京', 'ñandú', 'café', '🦊', '❄️', '👩‍🚀', 'rock--paper', '--', '-', '---',
  '"quoted"', '“curly”', 'it’s', '=', ',', ':', '3:2', '768x512', '\u200b', '\u00a0', '\n', 'x'.repeat(300),
  '\\--literal', '—', '—really', '–', 'a,b', '(', ')', '42',
];
const BLOCKED = ['forbiddenword', 'eeevil', 'FORBIDDENWORD'];
const KNOWN_FLAGS = Object.keys(FLAG_ALIASES);
const ODD_FLAGS = ['foo', 'quality', 'AR', 'Seed', 'no-text', 'ar16:9', 'n2'];
/** Values each flag accepts on some model, so that a fair share of inputs succeeds. */
const GOOD_VALUES: Readonly<Record<string, readonly string[]>> = {
  ar: ['1:1', '3:2', '9:16', '2.39:1'], aspect: ['4:3'], size: ['768x512', '1000x700', '4096x4096', '640'],
  seed: ['0', '42', '4294967295'], steps: ['1', '4', '30', '50'], cfg: ['0', '6.5', '30'],
  sampler: ['euler', 'ddim', '"Euler a"', 'lcm'], n: ['1', '4'], count: ['2'], model: ['sd15', 'turbo', 'XL'],
  style: ['anime', 'none'], strength: ['0.05', '1'], 'clip-skip': ['1', '12'], clipskip: ['2'], no: ['text, watermark', '🦊'],
};
const DASHES = ['--', '--', '--', '—', '–'];
const VALUES = [
  '', '0', '1', '2', '3', '4', '5', '7', '30', '50', '51', '150', '-1', '1.5', '0.5', '0.04', '.3', '1e3', 'NaN', 'Infinity',
  '4294967295', '4294967296', '99999999999999999999', '3:2', '16:9', '1:1', '4:1', '5:1', '0:1', '1:0', '2.39:1', '3-2',
  '768x512', '512', '1000x700', '64x64', '63x63', '4096x1024', '4096x4096', '5000x5000', 'euler', 'euler_a', 'Euler a',
  '"DPM++ 2M"', 'ddim', 'lcm', 'foo', 'sd15', 'turbo', 'XL', 'nope', 'anime', 'cinematic', 'none', '"anime"', '"unclosed',
  '🦊', 'text, watermark', '=', ',',
];
const SLASH_NAMES = ['seed', 'steps', 'cfg', 'sampler', 'ar', 'size', 'count', 'model', 'style', 'strength', 'clip-skip', 'negative'];
const SLASH_VALUES: OptionValue[] = [undefined, '', 0, 1, 4, 7.5, 30, 51, -3, MAX_SEED, MAX_SEED + 1, true, false, '3:2', '768x512', 'euler', 'xl', 'anime', 'junk'];
const SETTINGS: UserSettings[] = [
  {},
  { steps: 40, sampler: 'ddim', size: '16:9', negative: 'blurry', style: 'anime' },
  { steps: 150, sampler: 'lcm', size: '4096x4096', style: 'gone' },
  { size: 'garbage', sampler: 'euler' },
];

function pick<T>(rng: SeededRng, items: readonly T[]): T {
  return items[Math.floor(rng.nextUniform() * items.length)] as T;
}

/** A PNG signature and IHDR with the given size: enough for the header check. */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

function randomInput(rng: SeededRng): {
  text: string;
  options: Record<string, OptionValue>;
  settings: UserSettings;
  attachments: InvocationAttachment[];
} {
  const parts: string[] = [];
  const length = Math.floor(rng.nextUniform() * 14);
  for (let i = 0; i < length; i++) {
    if (rng.nextUniform() < 0.3) {
      const name = rng.nextUniform() < 0.05 ? pick(rng, ODD_FLAGS) : pick(rng, KNOWN_FLAGS);
      const good = GOOD_VALUES[name];
      const value = good !== undefined && rng.nextUniform() < 0.75 ? pick(rng, good) : pick(rng, VALUES);
      const flag = `${pick(rng, DASHES)}${name}`;
      parts.push(rng.nextUniform() < 0.1 ? `${flag}=${value}` : `${flag} ${value}`);
    } else if (rng.nextUniform() < 0.01) {
      parts.push(pick(rng, BLOCKED));
    } else {
      parts.push(pick(rng, WORDS));
    }
  }
  const options: Record<string, OptionValue> = {};
  if (rng.nextUniform() < 0.3) {
    for (let i = 0; i < 3; i++) options[pick(rng, SLASH_NAMES)] = pick(rng, SLASH_VALUES);
  }
  const attachments: InvocationAttachment[] = [];
  if (rng.nextUniform() < 0.1) {
    const data = pngHeader(1 + Math.floor(rng.nextUniform() * 5000), 1 + Math.floor(rng.nextUniform() * 5000));
    attachments.push({ filename: 'in.png', contentType: pick(rng, ['image/png', undefined, 'text/plain']), size: data.length, data });
  }
  return { text: parts.join(pick(rng, [' ', ' ', '  ', '\n'])), options, settings: pick(rng, SETTINGS), attachments };
}

function checkRequest(request: GenerateRequest, text: string): void {
  const model = config.models[request.model];
  expect(model, `model ${request.model}`).toBeDefined();
  if (model === undefined) return;
  for (const side of [request.width, request.height]) {
    expect(Number.isInteger(side) && side >= SIZE_STEP && side % SIZE_STEP === 0, `side ${side}`).toBe(true);
  }
  expect(request.width * request.height).toBeLessThanOrEqual(model.maxPixels);
  expect(Number.isInteger(request.numInferenceSteps)).toBe(true);
  expect(request.numInferenceSteps).toBeGreaterThanOrEqual(1);
  expect(request.numInferenceSteps).toBeLessThanOrEqual(model.maxSteps);
  expect(Number.isInteger(request.count)).toBe(true);
  expect(request.count).toBeGreaterThanOrEqual(1);
  expect(request.count).toBeLessThanOrEqual(model.maxCount);
  expect(Number.isFinite(request.guidanceScale)).toBe(true);
  expect(request.guidanceScale).toBeGreaterThanOrEqual(0);
  expect(request.guidanceScale).toBeLessThanOrEqual(MAX_GUIDANCE_SCALE);
  expect(Number.isInteger(request.seed) && request.seed >= 0 && request.seed <= MAX_SEED, `seed ${request.seed}`).toBe(true);
  expect(model.samplers).toContain(request.sampler);
  if (request.clipSkip !== undefined) {
    expect(model.supportsClipSkip).toBe(true);
    expect(request.clipSkip).toBeGreaterThanOrEqual(1);
    expect(request.clipSkip).toBeLessThanOrEqual(MAX_CLIP_SKIP);
  }
  if (request.init !== undefined) {
    expect(request.init.strength).toBeGreaterThanOrEqual(MIN_STRENGTH);
    expect(request.init.strength).toBeLessThanOrEqual(1);
  }
  expect(request.prompt.trim()).not.toBe('');
  // Without an escape, no flag survives into the prompt.
  if (!text.includes('\\')) expect(request.prompt).not.toMatch(/(^|\s)--[A-Za-z]/);
  for (const note of request.notes) expect(note.length).toBeGreaterThan(0);
  expect(request.origin).toBe('imagine');
}

function checkRefusal(error: UserFacingError): void {
  expect(['invalid_option', 'prompt_blocked']).toContain(error.code);
  expect(error.message.length).toBeGreaterThan(0);
  if (error.code === 'invalid_option') {
    expect(error.details.option, error.message).toBeTruthy();
    expect(error.details.allowed, error.message).toBeTruthy();
    expect(typeof error.details.value).toBe('string');
    expect(error.message).toContain(`\`${error.details.option}`);
  }
}

describe('/imagine under random input', () => {
  it(`gives a valid request or a clear refusal for ${CASES} random inputs`, () => {
    const rng = new SeededRng(20240605);
    const outcomes = { request: 0, invalid_option: 0, prompt_blocked: 0 };
    for (let i = 0; i < CASES; i++) {
      const input = randomInput(rng);
      const invocation = imagineInvocation(input.text, input.options, input.attachments);
      let result: GenerateRequest | UserFacingError;
      try {
        result = buildImagineRequest(invocation, { config, settings: input.settings, random: () => rng.nextUniform() });
      } catch (error) {
        throw new Error(`case ${i} threw for ${JSON.stringify(input.text)}: ${String(error)}`);
      }
      if (UserFacingError.is(result)) {
        checkRefusal(result);
        if (result.code === 'prompt_blocked') {
          expect(BLOCKED.some((word) => input.text.toLowerCase().includes(word.toLowerCase()))).toBe(true);
        }
        outcomes[result.code as 'invalid_option' | 'prompt_blocked'] += 1;
      } else {
        checkRequest(result, input.text);
        outcomes.request += 1;
      }
    }
    // The generator must exercise both sides, or the test proves little.
    expect(outcomes.request).toBeGreaterThan(CASES / 5);
    expect(outcomes.invalid_option).toBeGreaterThan(CASES / 5);
    expect(outcomes.prompt_blocked).toBeGreaterThan(0);
  });
});
