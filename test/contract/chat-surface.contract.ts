// The contract every chat surface keeps, run against Discord, Slack and the playground over their
// fakes, with the real adapters, JobPresenter and job service, and a scripted generator at the
// worker boundary. What it asserts is what a user of each platform would see.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Keyv from 'keyv';
import type { ChatAdapter } from '../../src/bot/core/chat-adapter.js';
import type { GenerationJob } from '../../src/bot/core/image-generator.js';
import { silentLogger } from '../../src/bot/core/logger.js';
import { findUnfinishedJobs, markInterrupted } from '../../src/bot/core/unfinished-jobs.js';
import type { KeyvJobStore } from '../../src/bot/core/job-store.js';
import type { ClientGenerateOptions } from '../../src/pipeline/ipc/client.js';
import { WorkerError } from '../../src/pipeline/ipc/worker-error.js';
import type { GenerationResult } from '../../src/pipeline/types.js';
import { ScriptedGenerator } from '../unit/bot/playground/scripted-generator.js';

export type User = 'alice' | 'bob';

/** One message as the channel shows it. */
export interface Shown {
  readonly id: string;
  /** Everything readable: title, text, fields, footer. */
  readonly text: string;
  readonly buttons: readonly string[];
  /** Result images shown with it. */
  readonly images: number;
  /** Of those, how many are blurred as spoilers. */
  readonly spoilers?: number;
}

export interface ChatWorld {
  readonly generator: ScriptedGenerator;
  readonly jobs: KeyvJobStore;
  /** The state store under the job records, as the next start would read it. */
  readonly keyv: Keyv;
  readonly adapter: Pick<ChatAdapter, 'platform' | 'markInterrupted'>;
  readonly platform: 'discord' | 'slack' | 'playground';
  /** Where the jobs run. */
  readonly channelId: string;
  readonly editIntervalMs: number;
  /** `/imagine <text>` from `user`; resolves once the platform has the command's answer. */
  imagine(user: User, text: string): Promise<void>;
  /** The bot's public messages in the channel, oldest first. */
  messages(): Promise<readonly Shown[]>;
  /** What only `user` was told. */
  privateTo(user: User): Promise<readonly string[]>;
  press(user: User, messageId: string, label: string): Promise<void>;
  /** Edits of bot messages that reached the platform so far. */
  editCount(): number;
  close(): Promise<void>;
}

/** Fails its job with the worker's generation_failed, so the failure path is reachable. */
export const FAILING_PROMPT = 'explode';
/** Its images come back flagged by the safety checker. */
export const FLAGGED_PROMPT = 'flagged';
const WAIT_MS = 20_000;

/** The scripted generator, failing the jobs whose prompt asks for it as the worker would. */
export class ContractGenerator extends ScriptedGenerator {
  override async generate(job: GenerationJob, options: ClientGenerateOptions): Promise<GenerationResult> {
    if (job.params.prompt.includes(FAILING_PROMPT)) throw new WorkerError('generation_failed', 'the scripted worker failed', job.jobId);
    const result = await super.generate(job, options);
    // The safety checker's verdict, as the worker reports it.
    const nsfw = job.params.prompt.includes(FLAGGED_PROMPT);
    return { ...result, images: result.images.map((image) => ({ ...image, nsfw })) };
  }
}
const POLL_MS = 25;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

function find(world: ChatWorld, what: string, test: (shown: Shown) => boolean): Promise<Shown> {
  return until(what, async () => (await world.messages()).find(test));
}

export function describeChatSurfaceContract(name: string, start: () => Promise<ChatWorld>): void {
  describe(`chat surface contract: ${name}`, () => {
    let world: ChatWorld;

    beforeAll(async () => {
      world = await start();
    });

    afterAll(async () => {
      world.generator.resume();
      await world.close();
    });

    it('shows a waiting job its place, then the start, then the result with its buttons; the message is linked when the job starts', async () => {
      world.generator.hold();
      await world.imagine('alice', 'a held lighthouse --steps 4');
      await world.imagine('bob', 'a queued owl --steps 4');
      const waiting = await find(world, 'the place in line', (m) => m.text.includes('a queued owl') && m.text.includes('1st in line'));
      const running = await find(world, 'the running job', (m) => m.text.includes('a held lighthouse') && m.text.includes('Starting now'));
      // Linked while it runs, so 🔄 on it works even if no result ever arrives.
      const linked = await until('the record of the running message', async () =>
        world.jobs.findByMessage({ platform: world.platform, channelId: world.channelId, messageId: running.id }),
      );
      expect(linked.request.prompt).toBe('a held lighthouse');
      world.generator.resume();
      const result = await find(world, 'the owl result', (m) => m.id === waiting.id && m.images === 1);
      expect(result.text).toContain('a queued owl');
      expect(result.text).not.toContain('in line');
      expect(result.buttons).toEqual(expect.arrayContaining([expect.stringContaining('Re-roll'), expect.stringContaining('U1')]));
    });

    it('turns the message of a failed job into what went wrong, with Re-roll', async () => {
      await world.imagine('alice', `a ${FAILING_PROMPT} of colour --steps 2`);
      const failed = await find(world, 'the failure', (m) => m.text.includes(FAILING_PROMPT) && m.text.includes('Something went wrong'));
      expect(failed.text).toMatch(/[0-9a-f]{8}-[0-9a-f-]{27}/);
      expect(failed.buttons).toEqual(expect.arrayContaining([expect.stringContaining('Re-roll')]));
      expect(failed.images).toBe(0);
    });

    it('applies the NSFW policy (spoiler) outside age-restricted channels: blurred where the platform can, withheld elsewhere', async () => {
      await world.imagine('alice', `a ${FLAGGED_PROMPT} statue --steps 2`);
      const done = await find(world, 'the flagged result', (m) => m.text.includes(`a ${FLAGGED_PROMPT} statue`) && m.buttons.some((b) => b.includes('Re-roll')));
      expect(done.text).toContain('flagged');
      expect(done.text).toMatch(/Time/);
      if (world.platform === 'discord') expect(done.spoilers).toBe(1);
      else expect(done.images).toBe(0);
    });

    it('tells only the requester why a request was refused, and posts nothing for it', async () => {
      await world.imagine('bob', 'a refused fox --steps 999');
      const told = await until('the private refusal', async () => (await world.privateTo('bob')).find((text) => text.includes('steps')));
      expect(told).toContain('999');
      expect((await world.messages()).some((m) => m.text.includes('a refused fox'))).toBe(false);
      expect((await world.privateTo('alice')).some((text) => text.includes('999'))).toBe(false);
    });

    it('re-rolls a result with Re-roll: a new message ends with a result of the same prompt', async () => {
      await world.imagine('alice', 'a rerolled hill --steps 2');
      const first = await find(world, 'the first result', (m) => m.text.includes('a rerolled hill') && m.images === 1);
      await world.press('bob', first.id, 'Re-roll');
      const second = await find(world, 'the re-rolled result', (m) => m.id !== first.id && m.text.includes('a rerolled hill') && m.images === 1);
      expect(second.buttons).toEqual(expect.arrayContaining([expect.stringContaining('Re-roll')]));
    });

    it('after a crash, says the job was interrupted and offers a Re-roll that runs it again', async () => {
      world.generator.hold();
      await world.imagine('alice', 'a cut off fox --steps 2');
      const running = await find(world, 'the running job', (m) => m.text.includes('a cut off fox') && m.text.includes('Starting now'));
      // What the next start finds: the record still says running, and nothing will resume it.
      const unfinished = (await findUnfinishedJobs(world.keyv)).filter((record) => record.request.prompt === 'a cut off fox');
      expect(unfinished.map((record) => record.status)).toEqual(['running']);
      for (const record of unfinished) await markInterrupted(record, { jobs: world.jobs, adapters: [world.adapter], logger: silentLogger });
      const interrupted = await find(world, 'the interrupted notice', (m) => m.id === running.id && m.text.includes('interrupted'));
      expect(interrupted.text).toContain('a cut off fox');
      expect(interrupted.buttons).toEqual(expect.arrayContaining([expect.stringContaining('Re-roll')]));
      expect((await findUnfinishedJobs(world.keyv)).some((record) => record.request.prompt === 'a cut off fox')).toBe(false);
      await world.press('bob', running.id, 'Re-roll');
      world.generator.resume();
      const rerolled = await find(world, 'the re-rolled job', (m) => m.id !== running.id && m.text.includes('a cut off fox') && m.images === 1);
      expect(rerolled.buttons).toEqual(expect.arrayContaining([expect.stringContaining('Re-roll')]));
    });

    it('answers an unexpected failure while handling a button privately, never with silence', async () => {
      await world.imagine('alice', 'a fragile vase --steps 2');
      const result = await find(world, 'the vase result', (m) => m.text.includes('a fragile vase') && m.images === 1);
      const before = (await world.privateTo('bob')).length;
      const { keyv } = world;
      const read = keyv.get.bind(keyv);
      // The state store fails under the button's record lookup.
      keyv.get = (async () => {
        throw new Error('the state store is down');
      }) as typeof keyv.get;
      try {
        await world.press('bob', result.id, 'Re-roll');
        const told = await until('the private apology', async () => (await world.privateTo('bob')).slice(before).find((text) => text.includes('Something went wrong')));
        expect(told).toContain('Something went wrong');
      } finally {
        keyv.get = read;
      }
    });

    it('paces a burst of progress events: few edits, one interval apart, and the result last', async () => {
      const steps = 40;
      world.generator.stepDelayMs = 10;
      const before = world.editCount();
      const startedAt = Date.now();
      await world.imagine('bob', `a burst of steps --steps ${steps}`);
      const result = await find(world, 'the burst result', (m) => m.text.includes('a burst of steps') && m.images === 1);
      const elapsed = Date.now() - startedAt;
      world.generator.stepDelayMs = 0;
      const edits = world.editCount() - before;
      // Each progress event would be an edit without the throttle; with it, about one per interval.
      expect(edits).toBeLessThan(steps / 2);
      expect(edits).toBeLessThanOrEqual(Math.ceil(elapsed / world.editIntervalMs) + 3);
      expect(result.text).not.toMatch(/Step \d+\//);
    });
  });
}
