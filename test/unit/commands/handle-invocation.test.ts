// The entry point the adapters call: each command end to end, with settings in a real Keyv and
// fakes only for the job service's ports.
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import type { CommandDeps } from '../../../src/commands/command-deps.js';
import { handleInvocation } from '../../../src/commands/handle-invocation.js';
import type { Invocation } from '../../../src/commands/invocation.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { FakeAdmin, FakeLimits, FakeQueue, KeyvJobRecords } from './support/fakes.js';
import { imagineInvocation, requester, sequence, testConfig } from './support/fixtures.js';

function deps(): CommandDeps & { queue: FakeQueue; limits: FakeLimits; admin: FakeAdmin } {
  const keyv = new Keyv();
  return {
    config: testConfig(),
    settings: new KeyvUserSettingsStore(keyv),
    jobs: new KeyvJobRecords(keyv),
    queue: new FakeQueue(),
    limits: new FakeLimits(),
    admin: new FakeAdmin(),
    random: sequence(0.1),
  };
}

const command = (name: Invocation['command'], extra: Partial<Invocation> = {}): Invocation => ({
  requester: requester(), command: name, options: {}, attachments: [], ...extra,
});

describe('handleInvocation', () => {
  it('turns /imagine into a request for the job service with a public acknowledgement', async () => {
    const outcome = await handleInvocation(imagineInvocation('a fox in snow --ar 3:2 --seed 9'), deps());
    expect(outcome).toMatchObject({
      kind: 'generate',
      requester: requester(),
      request: { prompt: 'a fox in snow', seed: 9, width: 576, height: 384 },
      ack: { kind: 'ack', text: 'Queued: a fox in snow', ephemeral: false },
    });
  });

  it('carries the age-restricted flag of the channel with the request', async () => {
    const who = requester('user-1', { ageRestrictedChannel: true });
    const outcome = await handleInvocation(imagineInvocation('a fox', {}, [], who), deps());
    expect(outcome.kind === 'generate' && outcome.requester.ageRestrictedChannel).toBe(true);
  });

  it('applies the user’s saved settings', async () => {
    const d = deps();
    await handleInvocation(command('settings', { subcommand: 'set', options: { steps: 33 } }), d);
    const outcome = await handleInvocation(imagineInvocation('a fox'), d);
    expect(outcome.kind === 'generate' && outcome.request.numInferenceSteps).toBe(33);
  });

  it('answers bad input with a private refusal instead of throwing', async () => {
    const outcome = await handleInvocation(imagineInvocation('a fox --steps lots'), deps());
    expect(outcome).toEqual({
      kind: 'reply',
      reply: { kind: 'error', text: '`--steps` must be a whole number from 1 to 50, got `lots`.', ephemeral: true },
    });
  });

  it('shows /queue: counts, your jobs with place and ETA, and your remaining images', async () => {
    const d = deps();
    d.queue.snapshots.set('discord:user-1', {
      running: 1,
      waiting: 4,
      paused: false,
      mine: [
        { jobId: 'a', prompt: 'a fox\nin snow', status: 'running', position: 0, etaMs: 9_000 },
        { jobId: 'b', prompt: 'x'.repeat(200), status: 'queued', position: 3, etaMs: 40_000 },
      ],
    });
    d.limits.value = { images: 6, capacity: 10, refillMs: 125_000 };
    const outcome = await handleInvocation(command('queue'), d);
    expect(outcome.kind === 'reply' && outcome.reply).toEqual({
      kind: 'queue',
      title: 'Queue',
      text: [
        'Running: 1 · Waiting: 4',
        '',
        'a fox in snow — running, about 10 s left',
        `${'x'.repeat(79)}… — 3rd in line, about 40 s`,
        '',
        'You can ask for 6 more images now (up to 10; full again in 2 min 5 s).',
      ].join('\n'),
      ephemeral: true,
    });
  });

  it('says when you have no jobs and intake is paused', async () => {
    const d = deps();
    d.queue.fallback = { running: 2, waiting: 0, paused: true, mine: [] };
    const outcome = await handleInvocation(command('queue'), d);
    const text = outcome.kind === 'reply' ? outcome.reply.text : '';
    expect(text).toContain('New jobs are paused by an admin.');
    expect(text).toContain('You have no jobs in the queue.');
    expect(text).toContain('You can ask for 10 images now.');
  });

  it('shows /help with examples, flags and what is configured', async () => {
    const outcome = await handleInvocation(command('help'), deps());
    if (outcome.kind !== 'reply') throw new Error('expected a reply');
    const fields = Object.fromEntries((outcome.reply.fields ?? []).map((field) => [field.label, field.value]));
    expect(outcome.reply).toMatchObject({ kind: 'help', ephemeral: true });
    expect(fields.Examples).toContain('/imagine a fox in snow, golden hour --ar 3:2');
    expect(fields.Flags).toContain('--no TEXT');
    expect(fields.Models).toBe('sd15 (default), turbo, xl');
    expect(fields.Styles).toBe('anime, cinematic');
    expect(fields.Samplers).toContain('euler_a');
  });

  it('gates /admin on the configured list', async () => {
    const d = deps();
    const outcome = await handleInvocation(command('admin', { subcommand: 'pause' }), d);
    expect(outcome.kind === 'reply' && outcome.reply.kind).toBe('error');
    expect(d.admin.paused).toBe(false);
  });
});
