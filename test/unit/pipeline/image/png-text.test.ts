import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { addPngText, readPngText } from '../../../../src/pipeline/image/png-text.js';
import { formatParameters, parseParameterFields } from '../../../../src/pipeline/image/a1111-parameters.js';

async function tinyPng(): Promise<Uint8Array> {
  return sharp({ create: { width: 4, height: 2, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toBuffer();
}

describe('PNG text chunks', () => {
  it('writes a tEXt chunk that sharp still decodes and that reads back', async () => {
    const png = addPngText(await tinyPng(), 'parameters', 'a cat\nSteps: 20, Seed: 42');
    expect(Buffer.from(png).includes(Buffer.from('tEXtparameters'))).toBe(true);
    expect(readPngText(png).get('parameters')).toBe('a cat\nSteps: 20, Seed: 42');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([4, 2]);
    expect([...data.subarray(0, 3)]).toEqual([10, 200, 30]);
  });

  it('uses iTXt for text outside Latin-1, such as emoji and CJK', async () => {
    const text = '灯台 at dusk 🌅';
    const png = addPngText(await tinyPng(), 'parameters', text);
    expect(Buffer.from(png).includes(Buffer.from('iTXtparameters'))).toBe(true);
    expect(readPngText(png).get('parameters')).toBe(text);
    await expect(sharp(png).metadata()).resolves.toMatchObject({ format: 'png' });
  });

  it('rejects bytes that are not a PNG', () => {
    expect(() => addPngText(Buffer.from('GIF89a....................................'), 'k', 'v')).toThrow(/not a PNG/);
  });
});

describe('A1111 parameters', () => {
  const base = {
    prompt: 'a lighthouse at dusk',
    negativePrompt: 'blurry',
    steps: 20,
    sampler: 'Euler a',
    cfgScale: 7,
    seed: 42,
    width: 768,
    height: 512,
    model: 'sd15',
  };

  it('formats prompt, negative prompt and the fields line as A1111 does', () => {
    expect(formatParameters(base)).toBe(
      'a lighthouse at dusk\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 768x512, Model: sd15',
    );
  });

  it('omits an empty negative prompt and adds clip skip and strength when set', () => {
    const text = formatParameters({ ...base, negativePrompt: '', clipSkip: 2, denoisingStrength: 0.5 });
    expect(text.split('\n')).toHaveLength(2);
    const fields = parseParameterFields(text);
    expect(fields.get('Clip skip')).toBe('2');
    expect(fields.get('Denoising strength')).toBe('0.5');
    expect(fields.get('Seed')).toBe('42');
    expect(fields.get('Size')).toBe('768x512');
  });
});
