import { describe, expect, it } from 'vitest';
import { MAX_ACTION_ID_LENGTH, parseActionId } from '../../../src/commands/action-id.js';
import type { GenerateRequest } from '../../../src/commands/generate-request.js';
import { messages } from '../../../src/commands/messages.js';
import { ackReply, errorReply, progressReply, queuedReply, resultReply } from '../../../src/commands/replies.js';
import { MAX_BUTTONS_PER_ROW } from '../../../src/commands/reply.js';
import { ERROR_CODES, UserFacingError } from '../../../src/commands/user-facing-error.js';

const JOB_ID = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const REQUEST: GenerateRequest = {
  prompt: 'a fox in snow',
  negativePrompt: 'text, watermark',
  seed: 42,
  numInferenceSteps: 30,
  guidanceScale: 6,
  sampler: 'dpmpp_2m_karras',
  width: 576,
  height: 384,
  count: 4,
  model: 'sd15',
  origin: 'imagine',
  notes: ['Steps lowered from 80 to 50, the most `sd15` allows.'],
};
const png = new Uint8Array([0x89, 0x50]);
const images = [0, 1, 2, 3].map((i) => ({ png, seed: 42 + i, width: 576, height: 384, nsfw: false }));

describe('formatting', () => {
  it.each([
    [1, '1st'], [2, '2nd'], [3, '3rd'], [4, '4th'], [11, '11th'], [12, '12th'], [13, '13th'], [21, '21st'], [22, '22nd'],
    [101, '101st'], [111, '111th'], [112, '112th'],
  ])('ordinal(%i) = %s', (n, text) => {
    expect(messages.ordinal(n)).toBe(text);
  });

  it.each([
    [40_000, '40 s'], [125_000, '2 min 5 s'], [120_000, '2 min'], [1, '1 s'], [0, '1 s'], [3_780_000, '1 h 3 min'], [3_600_000, '1 h'],
  ])('formatDuration(%i) = %s', (ms, text) => {
    expect(messages.formatDuration(ms)).toBe(text);
  });

  it.each([
    [2_000, 'a few seconds'], [38_000, 'about 40 s'], [42_000, 'about 40 s'], [83_000, 'about 1 min 20 s'], [725_000, 'about 12 min'],
  ])('formatEta(%i) = %s', (ms, text) => {
    expect(messages.formatEta(ms)).toBe(text);
  });

  it.each([[512, '512 bytes'], [2048, '2 KB'], [10 * 1024 * 1024, '10 MB'], [11.54 * 1024 * 1024, '11.5 MB']])('formatBytes(%i) = %s', (n, text) => {
    expect(messages.formatBytes(n)).toBe(text);
  });
});

describe('job replies', () => {
  it.each([
    [3, 40_000, 'Queued: 3rd in line, about 40 s.'],
    [1, 9_000, 'Queued: 1st in line, about 10 s.'],
    [0, 0, 'Starting now.'],
  ])('queued at %i with %i ms', (position, eta, text) => {
    expect(queuedReply(position, eta)).toEqual({ kind: 'queued', text, ephemeral: false });
  });

  it('shows progress as step x/y with the preview image', () => {
    const preview = new Uint8Array([1, 2, 3]);
    expect(progressReply({ step: 12, total: 30, preview })).toEqual({
      kind: 'progress', text: 'Step 12/30', images: [{ filename: 'preview.png', png: preview }], ephemeral: false,
    });
  });

  it('acknowledges each kind of request in its own words', () => {
    expect(ackReply(REQUEST).text).toBe('Queued: a fox in snow');
    const upscale: GenerateRequest = {
      ...REQUEST, origin: 'upscale', resizeOnly: true, init: { source: { kind: 'result', jobId: JOB_ID, imageIndex: 1 }, strength: 0.3 },
    };
    expect(ackReply(upscale).text).toBe('Upscaling image 2 2× with a plain Lanczos resize.');
  });
});

describe('the result reply', () => {
  const reply = resultReply({ jobId: JOB_ID, request: REQUEST, images, truncatedWords: ['highly', 'detailed'], elapsedMs: 12_300 });

  it('carries the prompt, the notes and the truncation in its text', () => {
    expect(reply.text).toBe(
      'a fox in snow\nSteps lowered from 80 to 50, the most `sd15` allows.\n' +
        'The prompt was too long for the model; these words were cut: highly detailed',
    );
  });

  it('lists every parameter a user needs to reproduce it', () => {
    expect(reply.fields?.map((field) => [field.label, field.value])).toEqual([
      ['Negative prompt', 'text, watermark'],
      ['Seeds', '42, 43, 44, 45'],
      ['Steps', '30'],
      ['Sampler', 'DPM++ 2M Karras'],
      ['CFG scale', '6'],
      ['Size', '576×384'],
      ['Model', 'sd15'],
      ['Time', '13 s'],
    ]);
  });

  it('names each image by its seed', () => {
    expect(reply.images?.map((image) => image.filename)).toEqual(['imagine-42.png', 'imagine-43.png', 'imagine-44.png', 'imagine-45.png']);
    expect(reply.images?.[0]?.png).toBe(png);
  });

  it('has U and V buttons for every image, re-roll, delete and remix, at most 5 per row, all parseable', () => {
    const rows = reply.buttons ?? [];
    expect(rows.map((row) => row.map((button) => button.label))).toEqual([
      ['U1', 'U2', 'U3', 'U4', 'Re-roll'],
      ['V1', 'V2', 'V3', 'V4', 'Delete'],
      ['Remix'],
    ]);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(MAX_BUTTONS_PER_ROW);
    const ids = rows.flat().map((button) => button.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(MAX_ACTION_ID_LENGTH);
      expect(parseActionId(id)?.jobId).toBe(JOB_ID);
    }
    expect(parseActionId(rows[1]?.[2]?.id ?? '')).toEqual({ kind: 'variation', jobId: JOB_ID, imageIndex: 2 });
  });

  it('gives a single image the edits: Remix, Vary (Region), Zoom Out and Pan', () => {
    const single = resultReply({ jobId: JOB_ID, request: { ...REQUEST, count: 1 }, images: [images[0]!] });
    const rows = single.buttons ?? [];
    expect(rows.map((row) => row.map((button) => button.label))).toEqual([
      ['U1', 'Re-roll'],
      ['V1', 'Delete'],
      ['Remix', 'Vary (Region)', 'Zoom Out 2×', 'Zoom Out 1.5×'],
      ['Left', 'Right', 'Up', 'Down'],
    ]);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(MAX_BUTTONS_PER_ROW);
    expect(rows[3]?.map((button) => button.emoji)).toEqual(['⬅️', '➡️', '⬆️', '⬇️']);
    expect(rows.slice(2).flat().map((button) => parseActionId(button.id))).toEqual([
      { kind: 'remix', jobId: JOB_ID },
      { kind: 'vary_region', jobId: JOB_ID, imageIndex: 0 },
      { kind: 'zoom', jobId: JOB_ID, imageIndex: 0, factor: 2 },
      { kind: 'zoom', jobId: JOB_ID, imageIndex: 0, factor: 1.5 },
      { kind: 'pan', jobId: JOB_ID, imageIndex: 0, direction: 'left' },
      { kind: 'pan', jobId: JOB_ID, imageIndex: 0, direction: 'right' },
      { kind: 'pan', jobId: JOB_ID, imageIndex: 0, direction: 'up' },
      { kind: 'pan', jobId: JOB_ID, imageIndex: 0, direction: 'down' },
    ]);
  });

  it('gives an upscaled image the edits and delete, and says it is upscaled', () => {
    const upscaled = resultReply({
      jobId: JOB_ID,
      request: { ...REQUEST, count: 1, origin: 'upscale', notes: ['Upscaled 2× with a hires pass of the model.'] },
      images: [{ png, seed: 43, width: 1152, height: 768, nsfw: false }],
    });
    expect(upscaled.buttons?.map((row) => row.map((button) => button.label))).toEqual([
      ['Vary (Region)', 'Zoom Out 2×', 'Zoom Out 1.5×', 'Delete'],
      ['Left', 'Right', 'Up', 'Down'],
    ]);
    expect(upscaled.text).toContain('hires pass');
    expect(upscaled.images?.[0]?.filename).toBe('imagine-43-upscaled.png');
  });

  it('marks images flagged by the safety checker and says so', () => {
    const flagged = resultReply({ jobId: JOB_ID, request: REQUEST, images: [{ ...images[0]!, nsfw: true }, images[1]!] });
    expect(flagged.images?.map((image) => image.nsfw)).toEqual([true, false]);
    expect(flagged.text).toContain('flagged by the safety checker');
  });

  it('keeps a huge prompt within a message', () => {
    const long = resultReply({ jobId: JOB_ID, request: { ...REQUEST, prompt: 'word '.repeat(2000) }, images });
    expect(long.text.length).toBeLessThan(2000);
  });
});

describe('error replies', () => {
  it('words rate limits with the wait', () => {
    expect(errorReply(new UserFacingError('rate_limited', 'slow down', { retryAfterMs: 125_000 }))).toEqual({
      kind: 'error', text: "You're going a bit fast. Try again in 2 min 5 s.", ephemeral: true,
    });
  });

  it('gives a failed generation its job id and never the internal message', () => {
    const reply = errorReply(new UserFacingError('generation_failed', 'TypeError: x is undefined at foo.ts:12', { jobId: JOB_ID }));
    expect(reply.text).toBe(`Something went wrong while making your images. If it keeps happening, tell an admin. Job id: \`${JOB_ID}\`.`);
    expect(reply.ephemeral).toBe(false);
  });

  it('passes an option refusal through as written', () => {
    const error = new UserFacingError('invalid_option', '`steps` must be a whole number from 1 to 50, got `80`.');
    expect(errorReply(error).text).toBe(error.message);
  });

  it.each(ERROR_CODES)('has a text for %s even without a message', (code) => {
    expect(errorReply(new UserFacingError(code, '')).text.length).toBeGreaterThan(5);
  });
});
