// Actions on results, round-tripped through job records stored in a real Keyv: what the buttons do
// after a restart, when all that is left is the stored record.
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { encodeActionId } from '../../../src/commands/action-id.js';
import type { CommandDeps } from '../../../src/commands/command-deps.js';
import type { CommandOutcome } from '../../../src/commands/command-outcome.js';
import type { CommandsConfig } from '../../../src/commands/config.js';
import type { GenerateRequest, Requester } from '../../../src/commands/generate-request.js';
import { handleAction, type ActionInput } from '../../../src/commands/handle-action.js';
import { buildImagineRequest } from '../../../src/commands/imagine.js';
import type { JobRecord, JobStatus } from '../../../src/commands/job-record.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';
import { MAX_SEED } from '../../../src/pipeline/types.js';
import { FakeAdmin, FakeLimits, FakeQueue, KeyvJobRecords } from './support/fakes.js';
import { ADMIN_ID, imagineInvocation, requester, sequence, testConfig } from './support/fixtures.js';

const OWNER = requester('owner');
const STRANGER = requester('stranger', { channelId: 'channel-2' });
const ADMIN = requester(ADMIN_ID);
const JOB_ID = '2f1b0c8e-9d43-4c53-9a1e-5b3e6f0a7c21';
const MESSAGE = { platform: 'discord' as const, channelId: 'channel-1', messageId: 'message-1' };

function imagine(text: string, config: CommandsConfig): GenerateRequest {
  const request = buildImagineRequest(imagineInvocation(text, {}, [], OWNER), { config, settings: {}, random: () => 0.5 });
  if (UserFacingError.is(request)) throw request;
  return request;
}

function record(request: GenerateRequest, status: JobStatus = 'succeeded'): JobRecord {
  return {
    jobId: JOB_ID,
    requester: OWNER,
    request,
    status,
    createdAt: 1_700_000_000_000,
    images: status === 'succeeded'
      ? Array.from({ length: request.count }, (_, i) => ({
          seed: request.seed + i, width: request.width, height: request.height, nsfw: false, imageId: `${JOB_ID}-${i}`,
        }))
      : [],
    messages: [MESSAGE],
  };
}

interface World {
  readonly deps: CommandDeps;
  readonly admin: FakeAdmin;
  /** Acts as the bot after a restart: a fresh reader over the same storage. */
  act(input: ActionInput, actor?: Requester): Promise<CommandOutcome>;
}

async function world(stored: JobRecord, config: CommandsConfig = testConfig()): Promise<World> {
  const storage = new Keyv();
  await new KeyvJobRecords(storage).put(stored);
  const admin = new FakeAdmin();
  const deps: CommandDeps = {
    config,
    settings: new KeyvUserSettingsStore(storage),
    jobs: new KeyvJobRecords(storage),
    queue: new FakeQueue(),
    limits: new FakeLimits(),
    admin,
    random: sequence(0.75),
  };
  return { deps, admin, act: (input, actor = OWNER) => handleAction(input, actor, deps) };
}

function generated(outcome: CommandOutcome): GenerateRequest {
  if (outcome.kind !== 'generate') throw new Error(`expected a generate outcome, got ${JSON.stringify(outcome)}`);
  return outcome.request;
}

const button = (id: string): ActionInput => ({ kind: 'button', id });

describe('re-roll', () => {
  it('runs the stored request again with a new seed, linked to its parent', async () => {
    const config = testConfig();
    const original = imagine('a fox in snow --ar 3:2 --steps 30 --cfg 6 --no text --n 2', config);
    const { act } = await world(record(original), config);
    const outcome = await act(button(encodeActionId({ kind: 'reroll', jobId: JOB_ID })));
    const rerolled = generated(outcome);
    expect(rerolled).toEqual({
      ...original,
      seed: Math.floor(0.75 * (MAX_SEED - 2)),
      origin: 'reroll',
      parentJobId: JOB_ID,
      notes: [],
    });
    expect(rerolled.seed).not.toBe(original.seed);
    expect(outcome.kind === 'generate' && outcome.ack.text).toBe('Re-rolling: a fox in snow');
  });

  it.each(['🔄', 'repeat', 'arrows_counterclockwise'])('works from a %s reaction on the job’s message', async (emoji) => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox', config)), config);
    const outcome = await act({ kind: 'reaction', emoji, message: MESSAGE });
    expect(generated(outcome).origin).toBe('reroll');
  });

  it('makes the presser the owner of the new job', async () => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox', config)), config);
    const outcome = await act(button(encodeActionId({ kind: 'reroll', jobId: JOB_ID })), STRANGER);
    expect(outcome.kind === 'generate' && outcome.requester).toEqual(STRANGER);
  });

  it.each([
    { policy: 'anyone', actor: STRANGER, allowed: true },
    { policy: 'owner', actor: STRANGER, allowed: false },
    { policy: 'owner', actor: OWNER, allowed: true },
    { policy: 'owner', actor: ADMIN, allowed: true },
  ] as const)('policy $policy: $actor.userId allowed = $allowed', async ({ policy, actor, allowed }) => {
    const config = testConfig({ rerollPolicy: policy });
    const { act } = await world(record(imagine('a fox', config)), config);
    for (const input of [
      button(encodeActionId({ kind: 'reroll', jobId: JOB_ID })),
      button(encodeActionId({ kind: 'variation', jobId: JOB_ID, imageIndex: 0 })),
    ]) {
      const outcome = await act(input, actor);
      expect(outcome.kind).toBe(allowed ? 'generate' : 'reply');
      if (outcome.kind === 'reply') expect(outcome.reply).toMatchObject({ kind: 'error', ephemeral: true });
    }
  });

  it('applies limits that tightened since the job ran, and says so', async () => {
    const original = imagine('a fox --steps 40 --n 4', testConfig());
    const tighter = testConfig({ models: { sd15: { kind: 'sd1', maxSteps: 20, defaultSteps: 20, maxCount: 2 }, turbo: { kind: 'sd-turbo' }, xl: { kind: 'sdxl' } } });
    const { act } = await world(record(original), tighter);
    const rerolled = generated(await act(button(encodeActionId({ kind: 'reroll', jobId: JOB_ID }))));
    expect([rerolled.numInferenceSteps, rerolled.count]).toEqual([20, 2]);
    expect(rerolled.notes).toEqual([
      'Steps lowered from 40 to 20, the most `sd15` allows.',
      'Images lowered from 4 to 2, the most `sd15` makes at once.',
    ]);
  });

  it('refuses when the model was removed from the config', async () => {
    const original = imagine('a fox --model turbo', testConfig());
    const { act } = await world(record(original), testConfig({ models: { sd15: { kind: 'sd1' } }, defaultModel: 'sd15' }));
    const outcome = await act(button(encodeActionId({ kind: 'reroll', jobId: JOB_ID })));
    expect(outcome.kind === 'reply' && outcome.reply.text).toBe("The model `turbo` isn't available. Available: sd15.");
  });

  it('refuses a prompt that the blocklist has caught up with', async () => {
    const original = imagine('a fox', testConfig());
    const { act } = await world(record(original), testConfig({ blocklist: { words: ['fox'] } }));
    const outcome = await act(button(encodeActionId({ kind: 'reroll', jobId: JOB_ID })));
    expect(outcome.kind === 'reply' && outcome.reply.text).toBe("This prompt can't be used here. Please try a different one.");
  });
});

describe('variations', () => {
  it('make a new set of `count` images from image i at the configured strength, with new seeds', async () => {
    const config = testConfig({ variationStrength: 0.55 });
    const original = imagine('a fox --ar 3:2 --n 4 --seed 100', config);
    const { act } = await world(record(original), config);
    const outcome = await act(button(encodeActionId({ kind: 'variation', jobId: JOB_ID, imageIndex: 2 })));
    const variation = generated(outcome);
    expect(variation).toMatchObject({
      prompt: original.prompt,
      negativePrompt: original.negativePrompt,
      width: 576,
      height: 384,
      count: 4,
      origin: 'variation',
      parentJobId: JOB_ID,
      init: { source: { kind: 'result', jobId: JOB_ID, imageIndex: 2 }, strength: 0.55 },
    });
    expect(variation.seed).not.toBe(100);
    expect(outcome.kind === 'generate' && outcome.ack.text).toBe('Making variations of image 3: a fox');
  });

  it('default to a strength of 0.6', async () => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox', config)), config);
    const variation = generated(await act(button(encodeActionId({ kind: 'variation', jobId: JOB_ID, imageIndex: 0 }))));
    expect(variation.init?.strength).toBe(0.6);
  });

  it.each([
    { status: 'succeeded' as const, index: 3, text: 'There is no image 4 in this result; it has 2 images.' },
    { status: 'running' as const, index: 0, text: "That job hasn't finished yet." },
    { status: 'failed' as const, index: 0, text: "That job hasn't finished yet." },
  ])('refuse image $index of a $status job', async ({ status, index, text }) => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox --n 2', config), status), config);
    const outcome = await act(button(encodeActionId({ kind: 'variation', jobId: JOB_ID, imageIndex: index })));
    expect(outcome.kind === 'reply' && outcome.reply.text).toBe(text);
  });
});

describe('upscale', () => {
  it('uses a hires pass at low strength, with the image’s own seed, when 2× fits the model', async () => {
    const config = testConfig({ models: { sd15: { kind: 'sd1', maxPixels: 1024 * 1024 } }, defaultModel: 'sd15' });
    const original = imagine('a fox --n 2 --seed 500', config);
    const { act } = await world(record(original), config);
    const outcome = await act(button(encodeActionId({ kind: 'upscale', jobId: JOB_ID, imageIndex: 1 })));
    const upscale = generated(outcome);
    expect(upscale).toMatchObject({
      seed: 501,
      width: 1024,
      height: 1024,
      count: 1,
      origin: 'upscale',
      init: { source: { kind: 'result', jobId: JOB_ID, imageIndex: 1 }, strength: 0.3 },
      notes: ['Upscaled 2× with a hires pass of the model.'],
    });
    expect(upscale.resizeOnly).toBeUndefined();
    expect(outcome.kind === 'generate' && outcome.ack.text).toBe('Upscaling image 2 2× with a hires pass of the model.');
  });

  it('falls back to a plain Lanczos resize when 2× exceeds the model, and says which', async () => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox', config)), config);
    const outcome = await act(button(encodeActionId({ kind: 'upscale', jobId: JOB_ID, imageIndex: 0 })));
    const upscale = generated(outcome);
    expect(upscale).toMatchObject({ width: 1024, height: 1024, resizeOnly: true, origin: 'upscale' });
    expect(upscale.notes).toEqual([
      "Upscaled 2× with a plain Lanczos resize: a hires pass would exceed the model's limit of 768×768 pixels.",
    ]);
    expect(outcome.kind === 'generate' && outcome.ack.text).toBe('Upscaling image 1 2× with a plain Lanczos resize.');
  });

  it('uses the configured upscaler model instead of Lanczos when 2× exceeds the model, and says which', async () => {
    const config = testConfig({ upscale: { model: 'RealESRGAN_x4plus' } });
    const { act } = await world(record(imagine('a fox', config)), config);
    const outcome = await act(button(encodeActionId({ kind: 'upscale', jobId: JOB_ID, imageIndex: 0 })));
    const upscale = generated(outcome);
    expect(upscale).toMatchObject({ width: 1024, height: 1024, resizeOnly: true, upscaler: 'RealESRGAN_x4plus' });
    expect(upscale.notes).toEqual(["Upscaled 2× with the `RealESRGAN_x4plus` upscaler: a hires pass would exceed the model's limit of 768×768 pixels."]);
    expect(outcome.kind === 'generate' && outcome.ack.text).toBe('Upscaling image 1 2× with the `RealESRGAN_x4plus` upscaler.');
  });

  it('prefers the upscaler the original request named with --upscaler', async () => {
    const config = testConfig({ upscale: { model: 'RealESRGAN_x4plus' } });
    const { act } = await world(record(imagine('a fox --upscaler 4x-UltraSharp', config)), config);
    const upscale = generated(await act(button(encodeActionId({ kind: 'upscale', jobId: JOB_ID, imageIndex: 0 }))));
    expect(upscale.upscaler).toBe('4x-UltraSharp');
  });

  it('refuses when even a resize would exceed the upscale limit', async () => {
    const config = testConfig({ upscale: { maxPixels: 1000 * 1000 } });
    const { act } = await world(record(imagine('a fox', config)), config);
    const outcome = await act(button(encodeActionId({ kind: 'upscale', jobId: JOB_ID, imageIndex: 0 })));
    expect(outcome.kind === 'reply' && outcome.reply.text).toBe(
      'Image is already 512×512; 2× would exceed the upscale limit of 1000×1000 pixels.',
    );
  });
});

describe('delete', () => {
  it.each([
    { who: 'the owner', actor: OWNER, allowed: true },
    { who: 'an admin', actor: ADMIN, allowed: true },
    { who: 'someone else', actor: STRANGER, allowed: false },
  ])('by $who: allowed = $allowed', async ({ actor, allowed }) => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox', config)), config);
    const outcome = await act(button(encodeActionId({ kind: 'delete', jobId: JOB_ID })), actor);
    if (allowed) {
      expect(outcome).toMatchObject({ kind: 'delete', jobId: JOB_ID, messages: [MESSAGE] });
    } else {
      expect(outcome.kind === 'reply' && outcome.reply.text).toBe('Only the person who made these images, or an admin, can do that.');
    }
  });

  it('works from a ❌ reaction, even with the rerolls open to anyone', async () => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox', config)), config);
    expect((await act({ kind: 'reaction', emoji: '❌', message: MESSAGE }, STRANGER)).kind).toBe('reply');
    expect((await act({ kind: 'reaction', emoji: 'x', message: MESSAGE }, OWNER)).kind).toBe('delete');
  });

  it('cancels a job that is still running before deleting its messages', async () => {
    const config = testConfig();
    const { act, admin } = await world(record(imagine('a fox', config), 'running'), config);
    expect((await act(button(encodeActionId({ kind: 'delete', jobId: JOB_ID })))).kind).toBe('delete');
    expect(admin.cancelled).toEqual([JOB_ID]);
  });

  it('does not cancel a finished job', async () => {
    const config = testConfig();
    const { act, admin } = await world(record(imagine('a fox', config)), config);
    await act(button(encodeActionId({ kind: 'delete', jobId: JOB_ID })));
    expect(admin.cancelled).toEqual([]);
  });
});

describe('unusable input', () => {
  it.each([
    { name: 'a malformed button', input: button('im1:zz:whatever'), text: "This button doesn't work anymore." },
    { name: 'a button for a job that is gone', input: button(encodeActionId({ kind: 'reroll', jobId: 'gone' })), text: "I can't find that job anymore." },
  ])('$name gets a short private reply', async ({ input, text }) => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox', config)), config);
    const outcome = await act(input);
    expect(outcome).toEqual({ kind: 'reply', reply: { kind: 'error', text, ephemeral: true } });
  });

  it.each([
    { name: 'another emoji', input: { kind: 'reaction', emoji: '👍', message: MESSAGE } as const },
    { name: 'a message without a job', input: { kind: 'reaction', emoji: '🔄', message: { ...MESSAGE, messageId: 'other' } } as const },
  ])('a reaction with $name is ignored', async ({ input }) => {
    const config = testConfig();
    const { act } = await world(record(imagine('a fox', config)), config);
    expect(await act(input)).toEqual({ kind: 'ignore' });
  });
});
