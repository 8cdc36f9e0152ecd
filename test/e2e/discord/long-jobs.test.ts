// Jobs that outlive the interaction token (15 min on Discord, shortened here) and jobs whose
// message disappears: they move to the bot's own channel message, or stop.
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../fake-discord/request-log.js';
import { DEFAULT_PERMISSIONS } from '../fake-discord/world.js';
import { LARGEST_SIDE } from './backend-under-test.js';
import { COLOUR_TOLERANCE, DiscordHarness, LONG_JOB, deliversResult, isPreviewEdit } from './discord-harness.js';

const TOKEN_LIFETIME_MS = 2000;
const SWITCH_MARGIN_MS = 800;
const JOB_TIMEOUT_MS = 30_000;
const SETTLE_MS = 5000;

let h: DiscordHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

function shortTokens(): Promise<DiscordHarness> {
  return DiscordHarness.start({
    fake: { interactionTokenLifetimeMs: TOKEN_LIFETIME_MS },
    bot: { tokenLifetimeMs: TOKEN_LIFETIME_MS, tokenSwitchMarginMs: SWITCH_MARGIN_MS },
  });
}

describe('jobs that outlive the interaction token', () => {
  it('a job queued past the token lifetime moves to a channel message and is still delivered', async () => {
    h = await shortTokens();
    const harness = h;
    const channelPath = `/channels/${harness.fake.world.channels.general.id}/messages`;
    // Two long jobs: the second waits for the first and outlives its token even on a fast machine.
    // It is sent once the first one runs, so the two cannot swap places in the queue.
    const first = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'first long job', ...LONG_JOB } });
    await harness.fake.waitForRequest((r) => r.path.includes(first.token) && /Step \d+/.test(String((r.json as { content?: string } | undefined)?.content)), {
      timeoutMs: JOB_TIMEOUT_MS,
    });
    const waiting = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'second job waits', ...LONG_JOB }, user: harness.fake.world.users.bob });

    const moved = await harness.fake.waitForRequest(
      (r) => r.method === 'POST' && r.path === channelPath && String((r.json as { content?: string }).content).includes('second job waits'),
      { timeoutMs: JOB_TIMEOUT_MS },
    );
    // It moved while still waiting in line, before the token ran out.
    expect((moved.json as { content: string }).content).toContain('in line');
    expect(moved.at - waiting.record.createdAt).toBeLessThan(TOKEN_LIFETIME_MS);
    const pointer = await harness.fake.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith(`/${waiting.token}/messages/@original`) && String((r.json as { content?: string }).content).includes('Continued in'));
    expect(pointer.status).toBe(200);

    const channelMessageId = (moved.response as { id: string }).id;
    const final = await harness.fake.waitForRequest((r) => deliversResult(r) && r.path === `${channelPath}/${channelMessageId}`, { timeoutMs: JOB_TIMEOUT_MS });
    expect(final.at - waiting.record.createdAt).toBeGreaterThan(TOKEN_LIFETIME_MS);
    expect(harness.fake.message(channelMessageId)?.attachments[0]?.filename).toMatch(/^imagine-\d+\.png$/);
    const image = await harness.readResult(final.files[0]?.data);
    expect(image).toMatchObject({ prompt: 'second job waits', width: LARGEST_SIDE, height: LARGEST_SIDE });
    expect(image.deviation).toBeLessThanOrEqual(COLOUR_TOLERANCE);
    // The bot never used a token after it expired.
    expect(harness.fake.requests.filter((r: RecordedRequest) => r.status === 401)).toEqual([]);
    // 🔄 on the moved message finds the job.
    await harness.jobShownIn(channelMessageId);
  });

  it('names the missing permission privately and in the log when it may not post in the channel', async () => {
    h = await shortTokens();
    const harness = h;
    const attachFiles = 1n << 15n;
    const withoutAttach = (BigInt(DEFAULT_PERMISSIONS) & ~attachFiles).toString();
    harness.fake.failures.missingPermissions({ method: 'POST', path: `/channels/${harness.fake.world.channels.general.id}/messages` });
    const sent = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'no room here', ...LONG_JOB }, appPermissions: withoutAttach });

    const notice = await harness.fake.waitForRequest((r) => r.method === 'POST' && r.path === `/webhooks/${harness.fake.world.applicationId}/${sent.token}`, {
      timeoutMs: JOB_TIMEOUT_MS,
    });
    const body = notice.json as { content: string; flags: number };
    expect(body.flags & 64).toBe(64);
    expect(body.content).toContain('Attach Files');
    expect(harness.logger.lines.some((line) => line.level === 'warn' && line.message.includes('Attach Files'))).toBe(true);
  });
});

describe('a deleted job message', () => {
  it('cancels the job: nothing more is posted and the queue is free again', async () => {
    h = await DiscordHarness.start();
    const harness = h;
    const sent = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'doomed', ...LONG_JOB } });
    await harness.fake.waitForRequest((r) => isPreviewEdit(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    harness.fake.deleteMessage(sent.record.originalMessageId ?? '');

    const refused = await harness.fake.waitForRequest((r) => r.path.includes(sent.token) && r.status === 404, { timeoutMs: JOB_TIMEOUT_MS });
    expect((refused.response as { code: number }).code).toBe(10008);
    const alice = `discord:${harness.fake.world.users.alice.id}` as const;
    await expect.poll(async () => (await harness.pieces.service.snapshot(alice)).mine.length, { timeout: SETTLE_MS }).toBe(0);

    // The worker runs one job at a time, so the next job's result comes after anything the cancelled one would still post.
    const next = harness.fake.slashCommand({ name: 'imagine', options: { prompt: 'next in line' }, user: harness.fake.world.users.bob });
    await harness.fake.waitForRequest((r) => deliversResult(r) && r.path.includes(next.token), { timeoutMs: JOB_TIMEOUT_MS });
    const late = harness.fake.requests.filter((r) => r.seq > refused.seq && !r.path.includes(next.token) && (r.path.includes(sent.token) || r.method === 'POST'));
    expect(late).toEqual([]);
  });
});
