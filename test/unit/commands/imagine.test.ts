import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../../src/commands/generate-request.js';
import { buildImagineRequest } from '../../../src/commands/imagine.js';
import type { InvocationAttachment, OptionValue } from '../../../src/commands/invocation.js';
import type { UserSettings } from '../../../src/commands/user-settings.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';
import { MAX_SEED } from '../../../src/pipeline/types.js';
import { imagineInvocation, testConfig } from './support/fixtures.js';

const config = testConfig();

function build(
  text: string,
  options: Record<string, OptionValue> = {},
  settings: UserSettings = {},
  attachments: InvocationAttachment[] = [],
  random: () => number = () => 0.25,
): GenerateRequest | UserFacingError {
  return buildImagineRequest(imagineInvocation(text, options, attachments), { config, settings, random });
}

function request(...args: Parameters<typeof build>): GenerateRequest {
  const result = build(...args);
  if (UserFacingError.is(result)) throw new Error(`expected a request, got: ${result.message}`);
  return result;
}

function refusal(...args: Parameters<typeof build>): UserFacingError {
  const result = build(...args);
  if (!UserFacingError.is(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result;
}

async function png(width: number, height: number): Promise<Uint8Array> {
  const data = await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } }).png().toBuffer();
  return new Uint8Array(data);
}

describe('/imagine defaults', () => {
  it('fills every parameter from the default model', () => {
    const result = request('a fox in snow');
    expect(result).toEqual({
      prompt: 'a fox in snow',
      negativePrompt: '',
      seed: Math.floor(0.25 * (MAX_SEED - 2)),
      numInferenceSteps: 25,
      guidanceScale: 7,
      sampler: 'euler_a',
      width: 512,
      height: 512,
      count: 1,
      model: 'sd15',
      origin: 'imagine',
      notes: [],
    });
  });

  it.each([0, 0.5, 0.999999999999, 1])('draws a random seed in range from random() = %s', (value) => {
    const { seed } = request('a fox', {}, {}, [], () => value);
    expect(Number.isInteger(seed)).toBe(true);
    expect(seed).toBeGreaterThanOrEqual(0);
    // Image i uses seed + i, so a batch of four must still fit.
    expect(seed + 3).toBeLessThanOrEqual(MAX_SEED);
  });

  it('uses each model’s own defaults', () => {
    const turbo = request('a fox --model turbo');
    expect([turbo.numInferenceSteps, turbo.guidanceScale, turbo.width, turbo.height]).toEqual([1, 0, 512, 512]);
    const xl = request('a fox --model XL');
    expect([xl.model, xl.numInferenceSteps, xl.sampler, xl.width, xl.height]).toEqual(['xl', 30, 'dpmpp_2m_karras', 1024, 1024]);
  });
});

describe('precedence: slash option > inline flag > saved setting > model default', () => {
  const saved: UserSettings = { steps: 40, sampler: 'ddim', size: '16:9', negative: 'blurry', style: 'cinematic' };

  it.each([
    { option: 'seed', slash: 7, flag: '--seed 42', pick: (r: GenerateRequest) => r.seed, expected: 7 },
    { option: 'steps', slash: 10, flag: '--steps 30', pick: (r: GenerateRequest) => r.numInferenceSteps, expected: 10 },
    { option: 'cfg', slash: 4.5, flag: '--cfg 9', pick: (r: GenerateRequest) => r.guidanceScale, expected: 4.5 },
    { option: 'sampler', slash: 'ddim', flag: '--sampler euler', pick: (r: GenerateRequest) => r.sampler, expected: 'ddim' },
    { option: 'count', slash: 3, flag: '--n 2', pick: (r: GenerateRequest) => r.count, expected: 3 },
    { option: 'model', slash: 'turbo', flag: '--model xl', pick: (r: GenerateRequest) => r.model, expected: 'turbo' },
  ])('$option: the slash option wins over $flag', ({ option, slash, flag, pick, expected }) => {
    expect(pick(request(`a fox ${flag}`, { [option]: slash }))).toBe(expected);
  });

  it('a slash ar wins over a --size flag, and the flag is still removed from the prompt', () => {
    const result = request('a fox --size 768x768', { ar: '2:1' });
    expect([result.width, result.height]).toEqual([640, 320]);
    expect(result.prompt).toBe('a fox');
  });

  it('saved settings fill what was not typed', () => {
    const result = request('a fox', {}, saved);
    expect(result.numInferenceSteps).toBe(40);
    expect(result.sampler).toBe('ddim');
    expect([result.width, result.height]).toEqual([640, 384]);
    expect(result.negativePrompt).toBe('blurry');
    expect(result.prompt).toBe('a fox, cinematic film still, shallow depth of field');
  });

  it('flags override saved settings', () => {
    const result = request('a fox --steps 12 --sampler euler --ar 1:1 --style none', {}, saved);
    expect([result.numInferenceSteps, result.sampler, result.width, result.height]).toEqual([12, 'euler', 512, 512]);
    expect(result.prompt).toBe('a fox');
  });

  it('--no adds to the negative prompt from the slash option, and a style adds its own', () => {
    const result = request('a fox --no text, watermark --style anime', { negative: 'lowres' });
    expect(result.negativePrompt).toBe('lowres, text, watermark, photo, realistic');
    expect(result.prompt).toBe('anime artwork of a fox, key visual');
  });

  it('the slash negative replaces the saved one', () => {
    expect(request('a fox', { negative: 'grain' }, saved).negativePrompt).toBe('grain');
  });

  it('empty slash options count as not given', () => {
    expect(request('a fox --seed 42', { seed: '', ar: '' }).seed).toBe(42);
  });
});

describe('sizes', () => {
  it.each([
    { text: 'x', model: 'sd15', size: [512, 512] },
    { text: 'x --ar 3:2', model: 'sd15', size: [576, 384] },
    { text: 'x --ar 2:3', model: 'sd15', size: [384, 576] },
    { text: 'x --ar 16:9', model: 'sd15', size: [640, 384] },
    { text: 'x --ar 4:1', model: 'sd15', size: [1024, 256] },
    { text: 'x --ar 1:4', model: 'sd15', size: [256, 1024] },
    { text: 'x --ar 16:9', model: 'xl', size: [1344, 768] },
    { text: 'x --ar 3:2', model: 'xl', size: [1216, 832] },
    { text: 'x --ar 1:1', model: 'xl', size: [1024, 1024] },
    { text: 'x --ar 2.39:1', model: 'xl', size: [1536, 640] },
    { text: 'x --size 768x512', model: 'sd15', size: [768, 512] },
    { text: 'x --size 640', model: 'sd15', size: [640, 640] },
  ])('$text on $model gives $size', ({ text, model, size }) => {
    const result = request(`${text} --model ${model}`);
    expect([result.width, result.height]).toEqual(size);
    expect(result.notes).toEqual([]);
  });

  it('rounds an explicit size to multiples of 64 and says so', () => {
    const result = request('x --size 1000x700 --model xl');
    expect([result.width, result.height]).toEqual([1024, 704]);
    expect(result.notes).toEqual(['Size rounded to 1024×704 (sides are multiples of 64).']);
  });

  it('lowers a size above the model’s pixel limit, keeping its shape, and says so', () => {
    const result = request('x --size 1536x1024');
    expect([result.width, result.height]).toEqual([896, 576]);
    expect(result.width * result.height).toBeLessThanOrEqual(768 * 768);
    expect(result.notes).toEqual(['Size lowered from 1536×1024 to 896×576, the most `sd15` allows.']);
  });
});

describe('limits per model are clamped with a note', () => {
  it.each([
    { text: 'x --model turbo --steps 30', check: (r: GenerateRequest) => r.numInferenceSteps, value: 4, note: 'Steps lowered from 30 to 4, the most `turbo` allows.' },
    { text: 'x --model xl --n 4', check: (r: GenerateRequest) => r.count, value: 2, note: 'Images lowered from 4 to 2, the most `xl` makes at once.' },
    { text: 'x --model turbo --sampler ddim', check: (r: GenerateRequest) => r.sampler, value: 'euler_a', note: '`turbo` can\'t use DDIM, so Euler a was used.' },
    { text: 'x --model turbo --clip-skip 2', check: (r: GenerateRequest) => r.clipSkip, value: undefined, note: 'Clip skip was ignored: `turbo` doesn\'t support it.' },
    { text: 'x --strength 0.4', check: (r: GenerateRequest) => r.init, value: undefined, note: 'Strength was ignored: no image was attached.' },
  ])('$text', ({ text, check, value, note }) => {
    const result = request(text);
    expect(check(result)).toBe(value);
    expect(result.notes).toContain(note);
  });

  it('a saved value beyond the model’s limit is lowered with a note too', () => {
    const result = request('x --model turbo', {}, { steps: 40 });
    expect(result.numInferenceSteps).toBe(4);
    expect(result.notes).toEqual(['Steps lowered from 40 to 4, the most `turbo` allows.']);
  });

  it('keeps clip skip where the model supports it', () => {
    expect(request('x --clip-skip 2').clipSkip).toBe(2);
  });

  it('accepts sampler labels typed loosely', () => {
    expect(request('x', { sampler: 'DPM++ 2M Karras' }).sampler).toBe('dpmpp_2m_karras');
    expect(request('x --sampler "Euler a"').sampler).toBe('euler_a');
  });
});

describe('refusals name the option, the value and what is allowed', () => {
  it.each([
    { text: 'x --seed -1', options: {}, option: '--seed', value: '-1', allowed: `0–${MAX_SEED}` },
    { text: 'x', options: { seed: MAX_SEED + 1 }, option: 'seed', value: String(MAX_SEED + 1), allowed: `0–${MAX_SEED}` },
    { text: 'x --seed 12abc', options: {}, option: '--seed', value: '12abc', allowed: `0–${MAX_SEED}` },
    { text: 'x --steps 0', options: {}, option: '--steps', value: '0', allowed: '1–50' },
    { text: 'x --steps 80', options: {}, option: '--steps', value: '80', allowed: '1–50' },
    { text: 'x', options: { steps: 2.5 }, option: 'steps', value: '2.5', allowed: '1–50' },
    { text: 'x', options: { steps: true }, option: 'steps', value: 'true', allowed: '1–50' },
    { text: 'x --cfg 31', options: {}, option: '--cfg', value: '31', allowed: '0–30' },
    { text: 'x --cfg high', options: {}, option: '--cfg', value: 'high', allowed: '0–30' },
    { text: 'x --n 5', options: {}, option: '--n', value: '5', allowed: '1–4' },
    { text: 'x --sampler foo', options: {}, option: '--sampler', value: 'foo', allowed: 'euler, euler_a, ddim, dpmpp_2m, dpmpp_2m_karras, lcm' },
    { text: 'x --model nope', options: {}, option: '--model', value: 'nope', allowed: 'sd15, turbo, xl' },
    { text: 'x --style nope', options: {}, option: '--style', value: 'nope', allowed: 'anime, cinematic, none' },
    { text: 'x --ar 5:1', options: {}, option: '--ar', value: '5:1', allowed: 'W:H from 1:4 to 4:1' },
    { text: 'x --ar 3-2', options: {}, option: '--ar', value: '3-2', allowed: 'W:H from 1:4 to 4:1' },
    { text: 'x --ar 0:1', options: {}, option: '--ar', value: '0:1', allowed: 'W:H from 1:4 to 4:1' },
    { text: 'x --size 10x10', options: {}, option: '--size', value: '10x10', allowed: 'WxH, sides 64–4096, up to 4:1' },
    { text: 'x --size 4096x512', options: {}, option: '--size', value: '4096x512', allowed: 'WxH, sides 64–4096, up to 4:1' },
    { text: 'x --strength 1.5', options: {}, option: '--strength', value: '1.5', allowed: '0.05–1' },
    { text: 'x --clip-skip 13', options: {}, option: '--clip-skip', value: '13', allowed: '1–12' },
    { text: 'x', options: { ar: '3:2', size: '512x512' }, option: 'size', value: '512x512', allowed: 'ar or size' },
    { text: '--ar 3:2', options: {}, option: 'prompt', value: '', allowed: 'a description of the image' },
  ])('$option = $value', ({ text, options, option, value, allowed }) => {
    const error = refusal(text, options);
    expect(error.code).toBe('invalid_option');
    expect(error.details).toEqual({ option, value, allowed });
    expect(error.message).toContain(`\`${option}\``);
    if (value !== '') expect(error.message).toContain(value);
  });

  it('refuses a prompt longer than 4000 characters, saying how long it was', () => {
    const error = refusal('a'.repeat(4001));
    expect(error.details.option).toBe('prompt');
    expect(error.message).toContain('4001 characters');
  });

  it('accepts a 4000-character prompt with flags at the end', () => {
    const long = 'a'.repeat(4000);
    expect(request(`${long} --seed 1`).prompt).toBe(long);
  });

  it('shortens a pasted essay when echoing it back', () => {
    const error = refusal(`x --model ${'m'.repeat(500)}`);
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('moderation', () => {
  it.each([
    'a forbiddenword here',
    'A FORBIDDENWORD HERE',
    'a ｆｏｒｂｉｄｄｅｎｗｏｒｄ in full width',
    'a forbidden\u200bword with a zero-width space',
    'forbiddenword, at the start',
    'two words together',
    'an eeevil plan',
    'x --seed 1 forbiddenword after a flag',
  ])('blocks %j with a neutral message', (text) => {
    const error = refusal(text);
    expect(error.code).toBe('prompt_blocked');
    expect(error.message).not.toMatch(/forbidden|evil|word/i);
  });

  it.each(['forbiddenwords is a different word', 'unforbiddenword too', 'two, words apart'])('lets %j through', (text) => {
    expect(UserFacingError.is(build(text))).toBe(false);
  });

  it('does not block words in the negative prompt', () => {
    expect(request('a fox --no forbiddenword').negativePrompt).toBe('forbiddenword');
  });
});

describe('styles', () => {
  it('a saved style that was removed from the config is skipped with a note', () => {
    const result = request('a fox', {}, { style: 'vaporwave' });
    expect(result.prompt).toBe('a fox');
    expect(result.notes).toEqual(['Your saved style `vaporwave` no longer exists, so none was used.']);
  });

  it('style names ignore case', () => {
    expect(request('a fox --style ANIME').prompt).toBe('anime artwork of a fox, key visual');
  });
});

describe('an attached init image', () => {
  it('becomes an upload init at the default strength, keeping the image’s shape', async () => {
    const data = await png(300, 200);
    const result = request('a fox', {}, {}, [{ filename: 'fox.png', contentType: 'image/png', size: data.length, data }]);
    expect(result.init).toEqual({ source: { kind: 'upload', data, filename: 'fox.png' }, strength: 0.75 });
    expect([result.width, result.height]).toEqual([576, 384]);
  });

  it('takes its strength from --strength, and an explicit --ar wins over its shape', async () => {
    const data = await png(300, 200);
    const result = request('a fox --strength 0.3 --ar 1:1', {}, {}, [{ filename: 'fox.png', size: data.length, data }]);
    expect(result.init?.strength).toBe(0.3);
    expect([result.width, result.height]).toEqual([512, 512]);
  });

  it('uses only the first of several attachments, with a note', async () => {
    const data = await png(64, 64);
    const attachment = { filename: 'a.png', size: data.length, data };
    expect(request('x', {}, {}, [attachment, attachment, attachment]).notes).toContain(
      'Only the first image was used; 2 others were ignored.',
    );
  });

  it('takes a mask beside the image, by option or by a name that says mask, and repaints at strength 1', async () => {
    const data = await png(64, 64);
    const mask = await png(64, 64);
    const byOption = request('a fox', {}, {}, [
      { filename: 'fox.png', size: data.length, data, option: 'image' },
      { filename: 'white.png', size: mask.length, data: mask, option: 'mask' },
    ]);
    expect(byOption.init).toEqual({ source: { kind: 'upload', data, filename: 'fox.png' }, strength: 1 });
    expect(byOption.mask).toEqual({ source: { kind: 'upload', data: mask, filename: 'white.png' }, blur: 8 });
    // Slack and the playground have no named options: the file named like a mask is the mask, in any order.
    const byName = request('a fox --strength 0.6', {}, {}, [
      { filename: 'fox-mask.png', size: mask.length, data: mask },
      { filename: 'fox.png', size: data.length, data },
    ]);
    expect(byName.init).toEqual({ source: { kind: 'upload', data, filename: 'fox.png' }, strength: 0.6 });
    expect(byName.mask?.source).toEqual({ kind: 'upload', data: mask, filename: 'fox-mask.png' });
    expect(request('a fox', {}, {}, [{ filename: 'masking-tape.png', size: data.length, data }]).mask).toBeUndefined();
  });

  it('refuses a mask without an image, and a mask that is no image, naming `mask`', async () => {
    const mask = await png(64, 64);
    const alone = refusal('a fox', {}, {}, [{ filename: 'mask.png', size: mask.length, data: mask, option: 'mask' }]);
    expect(alone.details).toMatchObject({ option: 'mask', value: 'mask.png' });
    expect(alone.message).toContain('no `image`');
    const data = await png(64, 64);
    const broken = refusal('a fox', {}, {}, [
      { filename: 'fox.png', size: data.length, data },
      { filename: 'mask.png', size: 9, data: new TextEncoder().encode('not a png'), option: 'mask' },
    ]);
    expect(broken.details.option).toBe('mask');
    expect(broken.message).toContain('`mask`');
  });

  it.each([
    { name: 'too many bytes', attachment: { filename: 'big.png', contentType: 'image/png', size: 11 * 1024 * 1024 }, message: '11 MB', allowed: 'an image of at most 10 MB' },
    { name: 'not an image type', attachment: { filename: 'doc.pdf', contentType: 'application/pdf', size: 10, data: new Uint8Array(10) }, message: 'application/pdf', allowed: 'PNG, JPEG or WebP' },
    { name: 'bytes that are no image', attachment: { filename: 'fake.png', contentType: 'image/png', size: 8, data: new TextEncoder().encode('not a png') }, message: 'fake.png', allowed: 'PNG, JPEG or WebP' },
    { name: 'a gif', attachment: { filename: 'a.gif', size: 6, data: new TextEncoder().encode('GIF89a') }, message: 'a.gif', allowed: 'PNG, JPEG or WebP' },
    { name: 'not downloaded', attachment: { filename: 'lost.png', contentType: 'image/png', size: 100 }, message: 'attach it again', allowed: 'PNG, JPEG or WebP' },
  ])('refuses $name, naming `image`', ({ attachment, message, allowed }) => {
    const error = refusal('a fox', {}, {}, [attachment]);
    expect(error.code).toBe('invalid_option');
    expect(error.details.option).toBe('image');
    expect(error.details.allowed).toBe(allowed);
    expect(error.message).toContain(message);
  });

  it('refuses an image with more pixels than configured', async () => {
    const small = testConfig({ initImage: { maxPixels: 100 * 100 } });
    const data = await png(200, 100);
    const result = buildImagineRequest(imagineInvocation('x', {}, [{ filename: 'wide.png', size: data.length, data }]), {
      config: small,
      settings: {},
      random: Math.random,
    });
    expect(UserFacingError.is(result) && result.message).toContain('200×100');
  });
});

describe('Slack-style free text', () => {
  it('reads the prompt and flags from `text` when there is no prompt option', () => {
    const result = buildImagineRequest(
      { ...imagineInvocation(''), options: {}, text: 'a fox --seed 5 --ar 2:3' },
      { config, settings: {}, random: Math.random },
    );
    expect(UserFacingError.is(result) ? result.message : [result.prompt, result.seed, result.width, result.height]).toEqual([
      'a fox', 5, 384, 576,
    ]);
  });
});
