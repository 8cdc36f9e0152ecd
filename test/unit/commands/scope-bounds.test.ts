// A result's buttons and reactions follow the server's and channel's bounds in force where they are
// pressed today: an admin who lowers the steps or takes a model off the list after a job ran sees
// every new job from its buttons lowered or refused, as /imagine would be.
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { encodeActionId, type ActionRef } from '../../../src/commands/action-id.js';
import type { CommandOutcome } from '../../../src/commands/command-outcome.js';
import type { GenerateRequest, Requester } from '../../../src/commands/generate-request.js';
import { handleAction, type ActionInput } from '../../../src/commands/handle-action.js';
import { buildImagineRequest } from '../../../src/commands/imagine.js';
import type { JobRecord } from '../../../src/commands/job-record.js';
import { KeyvScopeSettingsStore } from '../../../src/commands/keyv-scope-settings-store.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { REROLL_EMOJI } from '../../../src/commands/reactions.js';
import type { ScopeKey, ScopeSettings } from '../../../src/commands/scope-settings.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';
import { FakeAdmin, FakeLimits, FakeQueue, KeyvJobRecords } from './support/fakes.js';
import { imagineInvocation, requester, sequence, testConfig } from './support/fixtures.js';

const OWNER = requester('owner');
/** The same server, another channel. */
const NEXT_DOOR = requester('owner', { channelId: 'channel-2' });
const JOB_ID = '6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const MESSAGE = { platform: 'discord' as const, channelId: OWNER.channelId, messageId: 'message-1' };
const SERVER: ScopeKey = 'discord:server:guild-1';
const CHANNEL: ScopeKey = 'discord:channel:channel-1';

/** What the job ran with: 30 steps, 2 images, flagged images allowed here at the time; small enough for a hires upscale. */
function storedRecord(size = '384x384'): JobRecord {
  const built = buildImagineRequest(imagineInvocation(`a fox in snow --steps 30 --n 2 --size ${size}`, {}, [], OWNER), {
    config: testConfig(),
    settings: {},
    random: () => 0.5,
    bounds: { nsfw: 'allow' },
  });
  if (UserFacingError.is(built)) throw built;
  return {
    jobId: JOB_ID,
    requester: OWNER,
    request: built,
    status: 'succeeded',
    createdAt: 1_700_000_000_000,
    images: Array.from({ length: built.count }, (_, i) => ({
      seed: built.seed + i, width: built.width, height: built.height, nsfw: false, imageId: `${JOB_ID}-${i}`,
    })),
    messages: [MESSAGE],
  };
}

/** A stored result, and the bounds an admin set afterwards. */
async function afterTightening(
  bounds: Partial<Record<ScopeKey, ScopeSettings>>,
  stored: JobRecord = storedRecord(),
): Promise<(input: ActionInput, actor?: Requester) => Promise<CommandOutcome>> {
  const storage = new Keyv();
  await new KeyvJobRecords(storage).put(stored);
  const scopes = new KeyvScopeSettingsStore(storage);
  for (const [key, settings] of Object.entries(bounds) as [ScopeKey, ScopeSettings][]) await scopes.set(key, settings);
  const deps = {
    config: testConfig(),
    settings: new KeyvUserSettingsStore(storage),
    scopes,
    jobs: new KeyvJobRecords(storage),
    queue: new FakeQueue(),
    limits: new FakeLimits(),
    admin: new FakeAdmin(),
    random: sequence(0.75),
  };
  return (input, actor = OWNER) => handleAction(input, actor, deps);
}

const button = (ref: ActionRef): ActionInput => ({ kind: 'button', id: encodeActionId(ref) });

/** Every way a result starts a new job, as it reaches the commands layer. */
const NEW_JOBS: ReadonlyArray<readonly [string, ActionInput]> = [
  ['Re-roll', button({ kind: 'reroll', jobId: JOB_ID })],
  ['🔄', { kind: 'reaction', emoji: REROLL_EMOJI, message: MESSAGE }],
  ['V1', button({ kind: 'variation', jobId: JOB_ID, imageIndex: 0 })],
  ['U1', button({ kind: 'upscale', jobId: JOB_ID, imageIndex: 0 })],
  ['Vary (Region)', button({ kind: 'vary_region', jobId: JOB_ID, imageIndex: 0, region: 'left' })],
  ['Zoom Out', button({ kind: 'zoom', jobId: JOB_ID, imageIndex: 0, factor: 2 })],
  ['Pan', button({ kind: 'pan', jobId: JOB_ID, imageIndex: 0, direction: 'left' })],
  ['Remix', { kind: 'form', id: encodeActionId({ kind: 'remix_submit', jobId: JOB_ID }), values: { prompt: 'a fox in snow', steps: '30' } }],
];

function generated(outcome: CommandOutcome): GenerateRequest {
  if (outcome.kind !== 'generate') throw new Error(`expected a new job, got ${JSON.stringify(outcome)}`);
  return outcome.request;
}

function refusalText(outcome: CommandOutcome): string {
  if (outcome.kind !== 'reply' || outcome.reply.kind !== 'error') throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
  return outcome.reply.text;
}

describe("a result's actions under today's server and channel bounds", () => {
  it.each(NEW_JOBS)('%s runs with the steps lowered to the channel\'s bound, with the note /imagine gives', async (_label, input) => {
    const act = await afterTightening({ [SERVER]: { maxSteps: 20 }, [CHANNEL]: { maxSteps: 12 } });
    const request = generated(await act(input));
    expect(request.numInferenceSteps).toBe(12);
    expect(request.notes).toContain('Steps lowered from 30 to 12, the most allowed here.');
  });

  it.each(NEW_JOBS)('%s is refused, naming the model and those allowed, once the model is taken off the list', async (_label, input) => {
    const act = await afterTightening({ [SERVER]: { models: ['turbo', 'xl'] } });
    expect(refusalText(await act(input))).toBe("`sd15` isn't allowed here. Models you can use here: turbo, xl.");
  });

  it.each(NEW_JOBS)("%s follows today's NSFW policy, not the one the job ran under", async (_label, input) => {
    const act = await afterTightening({ [SERVER]: { nsfw: 'withhold' } });
    expect(generated(await act(input)).nsfwPolicy).toBe('withhold');
    const unset = await afterTightening({});
    expect(generated(await unset(input)).nsfwPolicy).toBeUndefined();
  });

  it('lowers the number of images of a re-roll and of variations to the bound, with the note', async () => {
    const act = await afterTightening({ [SERVER]: { maxCount: 1 } });
    for (const input of [NEW_JOBS[0]?.[1], NEW_JOBS[2]?.[1]]) {
      if (input === undefined) throw new Error('no such action');
      const request = generated(await act(input));
      expect(request.count).toBe(1);
      expect(request.notes).toContain('Images lowered from 2 to 1, the most allowed here.');
    }
  });

  it('applies the bounds of the channel where the button is pressed, not where the job ran', async () => {
    const act = await afterTightening({ [CHANNEL]: { maxSteps: 5 } });
    const reroll = button({ kind: 'reroll', jobId: JOB_ID });
    expect(generated(await act(reroll)).numInferenceSteps).toBe(5);
    expect(generated(await act(reroll, NEXT_DOOR)).numInferenceSteps).toBe(30);
  });

  it('lets a plain Lanczos upscale run the model no longer allowed would have used, since it runs no model; the NSFW policy still applies', async () => {
    const act = await afterTightening({ [SERVER]: { models: ['turbo'], maxSteps: 12, nsfw: 'withhold' } }, storedRecord('768x768'));
    const request = generated(await act(button({ kind: 'upscale', jobId: JOB_ID, imageIndex: 0 })));
    expect(request).toMatchObject({ resizeOnly: true, width: 1536, height: 1536, nsfwPolicy: 'withhold' });
    expect(request.notes.join(' ')).not.toContain('Steps lowered');
  });

  it('leaves delete alone: a result whose model is no longer allowed can still be removed', async () => {
    const act = await afterTightening({ [SERVER]: { models: ['turbo'] } });
    expect((await act(button({ kind: 'delete', jobId: JOB_ID }))).kind).toBe('delete');
  });
});
