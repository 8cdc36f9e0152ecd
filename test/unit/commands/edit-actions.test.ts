// The editing loop on a stored result: Vary (Region), Zoom Out, Pan and Remix, worked out from the
// job record alone, as after a restart.
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { encodeActionId, parseActionId, type ActionRef } from '../../../src/commands/action-id.js';
import type { CommandDeps } from '../../../src/commands/command-deps.js';
import type { CommandOutcome } from '../../../src/commands/command-outcome.js';
import type { CommandsConfig } from '../../../src/commands/config.js';
import type { GenerateRequest } from '../../../src/commands/generate-request.js';
import { handleAction, type ActionInput } from '../../../src/commands/handle-action.js';
import { buildImagineRequest } from '../../../src/commands/imagine.js';
import type { JobRecord } from '../../../src/commands/job-record.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { outpaintCanvas } from '../../../src/commands/sizes.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';
import { FakeAdmin, FakeLimits, FakeQueue, KeyvJobRecords } from './support/fakes.js';
import { imagineInvocation, requester, sequence, testConfig } from './support/fixtures.js';

const OWNER = requester('owner');
const JOB_ID = 'b7e0c2a4-5d1f-4e8a-9c3b-2a6f8e1d0c57';

function imagine(text: string, config: CommandsConfig): GenerateRequest {
  const request = buildImagineRequest(imagineInvocation(text, {}, [], OWNER), { config, settings: {}, random: () => 0.5 });
  if (UserFacingError.is(request)) throw request;
  return request;
}

function record(request: GenerateRequest, width = request.width, height = request.height): JobRecord {
  return {
    jobId: JOB_ID,
    requester: OWNER,
    request,
    status: 'succeeded',
    createdAt: 1_700_000_000_000,
    images: [{ seed: request.seed, width, height, nsfw: false, imageId: `${JOB_ID}-0` }],
    messages: [],
  };
}

async function act(stored: JobRecord, input: ActionInput, config: CommandsConfig = testConfig()): Promise<CommandOutcome> {
  const storage = new Keyv();
  await new KeyvJobRecords(storage).put(stored);
  const deps: CommandDeps = {
    config,
    settings: new KeyvUserSettingsStore(storage),
    jobs: new KeyvJobRecords(storage),
    queue: new FakeQueue(),
    limits: new FakeLimits(),
    admin: new FakeAdmin(),
    random: sequence(0.25),
  };
  return handleAction(input, OWNER, deps);
}

function generated(outcome: CommandOutcome): GenerateRequest {
  if (outcome.kind !== 'generate') throw new Error(`expected a generate outcome, got ${JSON.stringify(outcome)}`);
  return outcome.request;
}

const press = (ref: ActionRef): ActionInput => ({ kind: 'button', id: encodeActionId(ref) });

describe('button ids of the edits', () => {
  it.each<ActionRef>([
    { kind: 'vary_region', jobId: JOB_ID, imageIndex: 0 },
    { kind: 'vary_region', jobId: JOB_ID, imageIndex: 2, region: 'border' },
    { kind: 'zoom', jobId: JOB_ID, imageIndex: 0, factor: 1.5 },
    { kind: 'zoom', jobId: JOB_ID, imageIndex: 3, factor: 2 },
    { kind: 'pan', jobId: JOB_ID, imageIndex: 0, direction: 'up' },
    { kind: 'remix', jobId: JOB_ID },
    { kind: 'remix_submit', jobId: JOB_ID },
  ])('round-trips $kind within 100 characters', (ref) => {
    const id = encodeActionId(ref);
    expect(id.length).toBeLessThanOrEqual(100);
    expect(parseActionId(id)).toEqual(ref);
  });

  it.each(['im1:z:abc:0:3', 'im1:z:abc:0', 'im1:p:abc:0:north', 'im1:vr:abc:0:middle', 'im1:rx:abc:0', 'im1:vr:abc:0:left:x'])('rejects %j', (id) => {
    expect(parseActionId(id)).toBeUndefined();
  });
});

describe('Vary (Region)', () => {
  it('first offers the six regions as buttons, privately', async () => {
    const outcome = await act(record(imagine('a red barn', testConfig())), press({ kind: 'vary_region', jobId: JOB_ID, imageIndex: 0 }));
    if (outcome.kind !== 'reply') throw new Error(outcome.kind);
    expect(outcome.reply.ephemeral).toBe(true);
    expect(outcome.reply.text).toBe('Which part of image 1 should I repaint?');
    const buttons = (outcome.reply.buttons ?? []).flat();
    expect(buttons.map((button) => button.label)).toEqual(['Left half', 'Right half', 'Top half', 'Bottom half', 'Centre', 'Border']);
    expect(parseActionId(buttons[5]?.id ?? '')).toEqual({ kind: 'vary_region', jobId: JOB_ID, imageIndex: 0, region: 'border' });
    for (const row of outcome.reply.buttons ?? []) expect(row.length).toBeLessThanOrEqual(5);
  });

  it('repaints the chosen region of the image at full strength, with the same prompt, linked to its parent', async () => {
    const parent = imagine('a red barn --ar 3:2', testConfig());
    const request = generated(await act(record(parent), press({ kind: 'vary_region', jobId: JOB_ID, imageIndex: 0, region: 'left' })));
    expect(request).toMatchObject({
      prompt: 'a red barn',
      model: 'sd15',
      width: parent.width,
      height: parent.height,
      count: 1,
      origin: 'vary_region',
      parentJobId: JOB_ID,
      init: { source: { kind: 'result', jobId: JOB_ID, imageIndex: 0 }, strength: 1 },
      mask: { source: { kind: 'region', region: 'left' } },
    });
    expect(request.seed).not.toBe(parent.seed);
  });

  it('repaints a painted mask, and uses INPAINT_MODEL when one is configured', async () => {
    const config = testConfig({ inpaintModel: 'turbo' });
    const mask = new Uint8Array([1, 2, 3]);
    const request = generated(await act(record(imagine('a red barn --steps 30', config)), { kind: 'button', id: encodeActionId({ kind: 'vary_region', jobId: JOB_ID, imageIndex: 0 }), mask }, config));
    expect(request.model).toBe('turbo');
    expect(request.mask?.source).toEqual({ kind: 'upload', data: mask, filename: 'mask.png' });
    // The inpainting model's own limits apply.
    expect(request.numInferenceSteps).toBe(4);
    expect(request.notes.join(' ')).toContain('Steps lowered from 30 to 4');
  });
});

describe('Zoom Out and Pan', () => {
  it.each([
    { name: 'Zoom Out 2×', ref: { kind: 'zoom', jobId: JOB_ID, imageIndex: 0, factor: 2 }, want: { width: 1024, height: 1024 }, maxPixels: 2048 * 2048 },
    { name: 'Zoom Out 1.5×', ref: { kind: 'zoom', jobId: JOB_ID, imageIndex: 0, factor: 1.5 }, want: { width: 768, height: 768 }, maxPixels: 2048 * 2048 },
    { name: 'Pan left', ref: { kind: 'pan', jobId: JOB_ID, imageIndex: 0, direction: 'left' }, want: { width: 768, height: 512 }, maxPixels: 2048 * 2048 },
    { name: 'Pan down', ref: { kind: 'pan', jobId: JOB_ID, imageIndex: 0, direction: 'down' }, want: { width: 512, height: 768 }, maxPixels: 2048 * 2048 },
  ] as const)('widens a 512² canvas for $name to $want.width×$want.height', async ({ ref, want, maxPixels }) => {
    const config = testConfig({ models: { big: { kind: 'sd1', maxPixels } }, defaultModel: 'big', styles: {} });
    const parent = imagine('a lighthouse --size 512x512', config);
    const request = generated(await act(record(parent), press(ref), config));
    expect({ width: request.width, height: request.height }).toEqual(want);
    expect(request).toMatchObject({
      prompt: 'a lighthouse',
      origin: ref.kind,
      parentJobId: JOB_ID,
      init: { source: { kind: 'result', jobId: JOB_ID, imageIndex: 0 }, strength: 1 },
      outpaint: ref.kind === 'zoom' ? { kind: 'zoom', factor: ref.factor } : { kind: 'pan', direction: ref.direction },
    });
  });

  it('keeps the widened canvas within the model pixel budget', () => {
    expect(outpaintCanvas({ width: 512, height: 512 }, { kind: 'zoom', factor: 2 }, 768 * 768)).toEqual({ width: 768, height: 768 });
    const pan = outpaintCanvas({ width: 768, height: 768 }, { kind: 'pan', direction: 'right' }, 768 * 768);
    expect(pan.width * pan.height).toBeLessThanOrEqual(768 * 768);
    expect(Math.abs(pan.width / pan.height - 1.5)).toBeLessThan(0.1);
  });
});

describe('Remix', () => {
  it('opens a form prefilled with the prompt, negative prompt, size, steps and CFG', async () => {
    const parent = imagine('a red barn --no fog --size 768x512 --steps 30 --cfg 6', testConfig());
    const outcome = await act(record(parent), press({ kind: 'remix', jobId: JOB_ID }));
    if (outcome.kind !== 'form') throw new Error(outcome.kind);
    expect(outcome.form.title).toBe('Remix');
    expect(parseActionId(outcome.form.id)).toEqual({ kind: 'remix_submit', jobId: JOB_ID });
    expect(outcome.form.fields.map((field) => [field.id, field.value])).toEqual([
      ['prompt', 'a red barn'],
      ['negative', 'fog'],
      ['size', '768x512'],
      ['steps', '30'],
      ['cfg', '6'],
    ]);
    expect(outcome.form.fields.length).toBeLessThanOrEqual(5);
  });

  it('runs the edited request as a new job linked to its parent, keeping model and sampler', async () => {
    const parent = imagine('a red barn --model xl --sampler euler --size 1024x1024', testConfig());
    const values = { prompt: 'a blue barn', negative: 'rain', size: '1152x896', steps: '12', cfg: '4.5' };
    const request = generated(await act(record(parent), { kind: 'form', id: encodeActionId({ kind: 'remix_submit', jobId: JOB_ID }), values }));
    expect(request).toMatchObject({
      prompt: 'a blue barn',
      negativePrompt: 'rain',
      width: 1152,
      height: 896,
      numInferenceSteps: 12,
      guidanceScale: 4.5,
      model: 'xl',
      sampler: 'euler',
      origin: 'remix',
      parentJobId: JOB_ID,
    });
  });

  it('keeps the image an edit started from, and refuses a bad value by naming it', async () => {
    const parent = generated(await act(record(imagine('a red barn', testConfig())), press({ kind: 'zoom', jobId: JOB_ID, imageIndex: 0, factor: 2 })));
    const zoomed: JobRecord = { ...record(parent), jobId: 'zoomed-job' };
    const id = encodeActionId({ kind: 'remix_submit', jobId: 'zoomed-job' });
    const remix = generated(await act(zoomed, { kind: 'form', id, values: { prompt: 'a barn at night', negative: '', size: `${parent.width}x${parent.height}`, steps: '20', cfg: '7' } }));
    expect(remix).toMatchObject({ prompt: 'a barn at night', init: parent.init, outpaint: { kind: 'zoom', factor: 2 }, parentJobId: 'zoomed-job' });

    const refused = await act(zoomed, { kind: 'form', id, values: { prompt: 'a barn', negative: '', size: '512x512', steps: '999', cfg: '7' } });
    if (refused.kind !== 'reply') throw new Error(refused.kind);
    expect(refused.reply.text).toContain('steps');
    expect(refused.reply.text).toContain('999');
  });

  it('does not take a pressed button for a submitted form', async () => {
    const outcome = await act(record(imagine('a red barn', testConfig())), press({ kind: 'remix_submit', jobId: JOB_ID }));
    expect(outcome.kind).toBe('reply');
  });
});
