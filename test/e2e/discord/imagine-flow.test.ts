// /imagine end to end: the real discord.js bot, commands layer and job service against the fake
// Discord, generating through the pipeline client.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PARAMETERS_KEYWORD, parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { DiscordHarness, TEST_EDIT_INTERVAL_MS, deliversResult, isPreviewEdit, seedOf } from './discord-harness.js';

const ACK_DEADLINE_MS = 3000;
const JOB_TIMEOUT_MS = 20_000;

let h: DiscordHarness;

beforeEach(async () => {
  h = await DiscordHarness.start();
});

afterEach(async () => {
  await h.close();
});

describe('/imagine on Discord', () => {
  it('defers within 3 s, edits progress with previews, and delivers a PNG with its seed and the buttons', async () => {
    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a red fox in snow', seed: 1234 } });

    const callback = await h.fake.waitForRequest((r) => r.path === `/interactions/${sent.id}/${sent.token}/callback`);
    expect(callback.json).toMatchObject({ type: 5 });
    expect(callback.at - sent.record.createdAt).toBeLessThan(ACK_DEADLINE_MS);

    const preview = await h.fake.waitForRequest((r) => isPreviewEdit(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    expect(preview.status).toBe(200);
    expect(preview.files[0]?.data.subarray(1, 4).toString()).toBe('PNG');

    const final = await h.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    const file = final.files[0];
    expect(file?.filename).toBe('imagine-1234.png');
    const parameters = readPngText(file?.data ?? new Uint8Array()).get(PARAMETERS_KEYWORD) ?? '';
    expect(parameters.split('\n')[0]).toBe('a red fox in snow');
    expect(parseParameterFields(parameters).get('Seed')).toBe('1234');

    const message = h.fake.message(sent.record.originalMessageId ?? '');
    expect(message?.content).toContain('a red fox in snow');
    expect(message?.content).toContain('1234');
    const labels = message?.components.flatMap((row) => (row['components'] as { label: string }[]).map((button) => button.label));
    expect(labels).toEqual(expect.arrayContaining(['Re-roll', 'V1', 'U1', 'Delete']));
    expect(message?.attachments.map((a) => a.filename)).toEqual(['imagine-1234.png']);
  });

  it('keeps progress edits one at a time and at least the edit interval apart', async () => {
    const sent = h.fake.slashCommand({ name: 'imagine', options: { prompt: 'a slow lighthouse delay:60', steps: 30 } });
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
    const created = h.fake.requests.find((r) => r.seq > before && r.method === 'POST' && r.path === channelPath);
    expect(created?.json).toMatchObject({ message_reference: { message_id: resultId } });
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
