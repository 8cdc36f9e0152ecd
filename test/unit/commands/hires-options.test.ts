// /imagine's hires fix and upscaler options, as inline flags and slash options: what reaches the
// request, the notes when the model's size limit lowers the scale, and the refusals.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../../src/commands/generate-request.js';
import { buildImagineRequest } from '../../../src/commands/imagine.js';
import type { InvocationAttachment, OptionValue } from '../../../src/commands/invocation.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';
import { imagineInvocation, testConfig } from './support/fixtures.js';

const config = testConfig();

function build(text: string, options: Record<string, OptionValue> = {}, attachments: InvocationAttachment[] = []): GenerateRequest | UserFacingError {
  return buildImagineRequest(imagineInvocation(text, options, attachments), { config, settings: {}, random: () => 0.5 });
}

function request(text: string, options: Record<string, OptionValue> = {}): GenerateRequest {
  const result = build(text, options);
  if (UserFacingError.is(result)) throw new Error(`expected a request, got: ${result.message}`);
  return result;
}

describe('/imagine hires fix options', () => {
  it('--hires with its follow-up flags reaches the request; the prompt keeps only the words', () => {
    const result = request('a harbour --hires 1.5 --hires-steps 10 --hires-denoise 0.4 --hires-upscaler Lanczos');
    expect(result.prompt).toBe('a harbour');
    expect(result.hires).toEqual({ scale: 1.5, steps: 10, denoise: 0.4, upscaler: 'lanczos' });
    expect([result.width, result.height]).toEqual([512, 512]);
  });

  it('slash options work the same, with A1111 defaults: denoise 0.5, latent upscale, the first pass\'s steps', () => {
    expect(request('a harbour', { hires: 1.2 }).hires).toEqual({ scale: 1.2, denoise: 0.5, upscaler: 'latent' });
  });

  it('lowers the scale to what the model allows, with a note saying so', () => {
    // sd15 allows 768×768: from 512×512 that is 1.5×.
    const result = request('a harbour --hires 2');
    expect(result.hires?.scale).toBe(1.5);
    expect(result.notes).toEqual([expect.stringMatching(/Hires upscale lowered from 2× to 1\.5×/)]);
  });

  it('skips the hires fix when the first pass is already at the limit', () => {
    const result = request('a harbour --size 768x768 --hires 2');
    expect(result.hires).toBeUndefined();
    expect(result.notes.some((note) => /hires fix was skipped/.test(note))).toBe(true);
  });

  it('notes follow-up flags given without --hires', () => {
    const result = request('a harbour --hires-steps 10');
    expect(result.hires).toBeUndefined();
    expect(result.notes).toEqual([expect.stringMatching(/need `--hires SCALE`/)]);
  });

  it('--upscaler names the model U1–U4 will use', () => {
    expect(request('a harbour --upscaler RealESRGAN_x4plus').upscaler).toBe('RealESRGAN_x4plus');
  });

  it.each([
    ['a harbour --hires 3', /--hires.*from 1 to 2/],
    ['a harbour --hires 1.5 --hires-denoise 2', /--hires-denoise.*from 0 to 1/],
    ['a harbour --hires 1.5 --hires-upscaler ../../etc/passwd', /--hires-upscaler.*latent.*lanczos/],
  ])('refuses %j, naming the option and what is allowed', (text, message) => {
    const result = build(text);
    expect(UserFacingError.is(result) && message.test(result.message)).toBe(true);
  });

  it('refuses --hires with an attached image: the hires fix is for text-to-image', async () => {
    const data = new Uint8Array(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer());
    const result = build('a harbour --hires 1.5', {}, [{ filename: 'a.png', contentType: 'image/png', size: data.length, data }]);
    expect(UserFacingError.is(result) && /text-to-image only/.test(result.message)).toBe(true);
  });
});
