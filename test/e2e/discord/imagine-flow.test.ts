// /imagine end to end: the real discord.js bot, commands layer and job service against the fake
// Discord, generating with the real pipeline worker on an oracle model.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OracleRequest } from '../support/oracle-pipeline.js';
import { NATIVE_SIDE } from './backend-under-test.js';
import { DiscordHarness, COLOUR_TOLERANCE, TEST_EDIT_INTERVAL_MS, deliversResult, isPreviewEdit, seedOf, shownSeeds } from './discord-harness.js';

const ACK_DEADLINE_MS = 3000;
const JOB_TIMEOUT_MS = 30_000;
/** Enough steps that the job outlasts the first edit interval, so a preview gets shown. */
const PREVIEW_STEPS = 24;
/** Several preview edits' worth of steps. */
const PACED_STEPS = 40;

interface ColourCase {
  readonly name: string;
  readonly options: Readonly<Record<string, string | number>>;
  readonly want: OracleRequest;
}

let h: DiscordHarness;

beforeEach(async () => {
  h = await DiscordHarness.start();
});

afterEach(async () => {
  await h.close();
});

describe('/imagine on Discord', () => {
  it('defers within 3 s, edits progress with previews, and delivers a PNG with its seed and the buttons', async () => {
    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a red fox in snow', seed: 1234, steps: PREVIEW_STEPS } });

    const callback = await h.fake.waitForRequest((r) => r.path === `/interactions/${sent.id}/${sent.token}/callback`);
    expect(callback.json).toMatchObject({ type: 5 });
    expect(callback.at - sent.record.createdAt).toBeLessThan(ACK_DEADLINE_MS);

    const preview = await h.fake.waitForRequest((r) => isPreviewEdit(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    expect(preview.status).toBe(200);
    expect(preview.files[0]?.data.subarray(1, 4).toString()).toBe('PNG');
    expect((preview.json as { content: string }).content).toMatch(new RegExp(`Step \\d+/${PREVIEW_STEPS}`));

    const final = await h.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    const file = final.files[0];
    expect(file?.filename).toBe('imagine-1234.png');
    const image = await h.readResult(file?.data);
    expect(image).toMatchObject({ prompt: 'a red fox in snow', seed: 1234, width: NATIVE_SIDE, height: NATIVE_SIDE });
    expect(image.fields.get('Steps')).toBe(String(PREVIEW_STEPS));
    expect(image.deviation).toBeLessThanOrEqual(COLOUR_TOLERANCE);

    const message = h.fake.message(sent.record.originalMessageId ?? '');
    expect(message?.content).toContain('a red fox in snow');
    expect(shownSeeds(message?.content)).toEqual([1234]);
    const labels = message?.components.flatMap((row) => (row['components'] as { label: string }[]).map((button) => button.label));
    expect(labels).toEqual(expect.arrayContaining(['Re-roll', 'V1', 'U1', 'Delete']));
    expect(message?.attachments.map((a) => a.filename)).toEqual(['imagine-1234.png']);
  });

  // Each row's colour differs from the others', so a prompt, negative or CFG lost on the way shows.
  it.each<ColourCase>([
    { name: 'a plain prompt', options: { prompt: 'a lighthouse' }, want: { prompt: 'a lighthouse', negativePrompt: '', guidanceScale: 7 } },
    {
      name: 'a negative prompt and CFG as options',
      options: { prompt: 'a red fox in snow', negative: 'blurry', cfg: 4 },
      want: { prompt: 'a red fox in snow', negativePrompt: 'blurry', guidanceScale: 4 },
    },
    {
      name: 'the same as inline flags',
      options: { prompt: 'a red fox in snow --no blurry --cfg 4' },
      want: { prompt: 'a red fox in snow', negativePrompt: 'blurry', guidanceScale: 4 },
    },
    { name: 'CFG 1 (no guidance)', options: { prompt: 'a red fox in snow', cfg: 1 }, want: { prompt: 'a red fox in snow', negativePrompt: '', guidanceScale: 1 } },
  ])('paints the colour the model gives for $name', async ({ options, want }) => {
    const sent = h.fake.slashCommand({ name: 'imagine', options });
    const final = await h.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    const image = await h.readResult(final.files[0]?.data);
    expect(image).toMatchObject(want);
    expect(image.deviation).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    expect(shownSeeds(h.fake.message(sent.record.originalMessageId ?? '')?.content)).toEqual([image.seed]);
  });

  it('keeps progress edits one at a time and at least the edit interval apart', async () => {
    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a slow lighthouse', steps: PACED_STEPS } });
    await h.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    const edits = h.fake.requests.filter((r) => r.method === 'PATCH' && r.path.includes(sent.token));
    expect(edits.filter(isPreviewEdit).length).toBeGreaterThanOrEqual(2);
    const progress = edits.slice(0, -1);
    for (let i = 1; i < progress.length; i += 1) {
      expect((progress[i]?.at ?? 0) - (progress[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(TEST_EDIT_INTERVAL_MS - 5);
    }
  });

  it('re-rolls with a new seed when someone reacts 🔄 to the result', async () => {
    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a lighthouse', seed: 77 } });
    await h.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    const resultId = sent.record.originalMessageId ?? '';
    await h.jobShownIn(resultId);

    const before = h.fake.log.lastSeq;
    h.fake.react({ messageId: resultId, user: h.fake.world.users.bob });
    const channelPath = `/channels/${h.fake.world.channels.general.id}/messages`;
    const reroll = await h.fake.waitForRequest((r) => r.path.startsWith(channelPath) && deliversResult(r), {
      afterSeq: before,
      timeoutMs: JOB_TIMEOUT_MS,
    });
    const seed = seedOf(reroll.files[0]?.filename ?? '');
    expect(seed).not.toBe(77);
    const image = await h.readResult(reroll.files[0]?.data);
    expect(image).toMatchObject({ prompt: 'a lighthouse', seed });
    expect(image.deviation).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    const created = h.fake.requests.find((r) => r.seq > before && r.method === 'POST' && r.path === channelPath);
    expect(created?.json).toMatchObject({ message_reference: { message_id: resultId } });
    expect(shownSeeds(h.fake.message(String((created?.response as { id?: string } | undefined)?.id))?.content)).toEqual([seed]);
  });

  it('answers a bad option with an ephemeral message that names it', async () => {
    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a cat --steps 999' } });
    const followUp = await h.fake.waitForRequest((r) => r.method === 'POST' && r.path === `/webhooks/${h.fake.world.applicationId}/${sent.token}`);
    const body = followUp.json as { content: string; flags: number };
    expect(body.flags & 64).toBe(64);
    expect(body.content).toContain('--steps');
    expect(body.content).toContain('999');
    // The public "thinking…" placeholder is removed.
    expect(h.fake.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/${sent.token}/messages/@original`))).toBe(true);
  });
});
