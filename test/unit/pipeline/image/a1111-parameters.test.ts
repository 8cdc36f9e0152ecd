// Our PNG parameters as other tools read them: checked with a reader written from A1111's format
// description, and the PNG text read back with sharp's metadata reader.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { A1111_SAMPLERS, formatParameters, parseParameterFields } from '../../../../src/pipeline/image/a1111-parameters.js';
import { addPngText } from '../../../../src/pipeline/image/png-text.js';
import { readInfotext } from '../../../fixtures/a1111/infotext.js';

const base = {
  prompt: 'a lighthouse at dusk',
  negativePrompt: 'blurry',
  steps: 20,
  ...A1111_SAMPLERS.dpmpp_2m_karras,
  cfgScale: 7,
  seed: 42,
  width: 768,
  height: 512,
  model: 'sd15',
};

async function sharpText(text: string): Promise<string | undefined> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'black' } }).png().toBuffer();
  const metadata = await sharp(Buffer.from(addPngText(png, 'parameters', text))).metadata();
  return metadata.comments?.find((comment) => comment.keyword === 'parameters')?.text;
}

describe('A1111 parameters as WebUI writes them', () => {
  it('names DPM++ 2M Karras as sampler plus schedule type', () => {
    const text = formatParameters(base);
    expect(text.split('\n').at(-1)).toBe('Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 768x512, Model: sd15');
    expect(readInfotext(text)).toEqual({
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'blurry',
      fields: { Steps: '20', Sampler: 'DPM++ 2M', 'Schedule type': 'Karras', 'CFG scale': '7', Seed: '42', Size: '768x512', Model: 'sd15' },
    });
  });

  it('writes plain samplers without a schedule type', () => {
    expect(readInfotext(formatParameters({ ...base, ...A1111_SAMPLERS.euler_a, scheduleType: undefined })).fields).not.toHaveProperty('Schedule type');
    expect(A1111_SAMPLERS.euler_a).toEqual({ sampler: 'Euler a' });
  });

  it.each([
    ['a comma', 'my, model'],
    ['a colon', 'folder:model'],
    ['a newline', 'two\nlines'],
    ['a quote and a comma', 'the "best", model'],
  ])('quotes a value with %s, so the fields around it survive', (_, model) => {
    const text = formatParameters({ ...base, model });
    expect(text.split('\n').at(-1)).toContain(`Model: ${JSON.stringify(model)}`);
    const fields = readInfotext(text.replace(/\n(?=[^\n]*$)/, '\n')).fields;
    if (!model.includes('\n')) {
      expect(fields['Model']).toBe(model);
      expect(fields['Seed']).toBe('42');
      expect(parseParameterFields(text).get('Model')).toBe(model);
    }
  });

  it('keeps a newline in a value inside its quotes, on the fields line', () => {
    const text = formatParameters({ ...base, model: 'two\nlines' });
    expect(text.split('\n')).toHaveLength(3);
    expect(readInfotext(text).fields['Model']).toBe('two\nlines');
  });

  it('lists LoRA hashes as one quoted value, after the tags in the prompt', () => {
    const loras = [
      { name: 'detail', weight: 0.8, hash: '0123456789ab' },
      { name: 'paint', weight: 1, hash: 'ba9876543210' },
    ];
    const text = formatParameters({ ...base, loras });
    expect(text.split('\n').at(-1)).toContain('Lora hashes: "detail: 0123456789ab, paint: ba9876543210"');
    const read = readInfotext(text);
    expect(read.prompt).toBe('a lighthouse at dusk <lora:detail:0.8> <lora:paint:1>');
    expect(read.fields['Lora hashes']).toBe('detail: 0123456789ab, paint: ba9876543210');
    expect(read.fields['Model']).toBe('sd15');
  });

  it('leaves plain values unquoted', () => {
    expect(formatParameters(base)).not.toContain('"');
  });

  it('reads back through sharp: ASCII in tEXt, accents and emoji in UTF-8 iTXt', async () => {
    for (const prompt of ['a red fox', 'crème brûlée, café', 'a ghost 👻 in 東京']) {
      const text = formatParameters({ ...base, prompt });
      const read = await sharpText(text);
      expect(read).toBe(text);
      expect(readInfotext(read ?? '').prompt).toBe(prompt);
    }
  });
});
