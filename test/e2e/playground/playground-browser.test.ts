// The playground in a real browser: Debian's chromium driven by playwright-core, against the real
// server, commands layer, job service and pipeline worker process on an oracle model.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Locator, Page } from 'playwright-core';
import { artifactPath, CHROMIUM_MISSING, chromiumInstalled, launchChromium } from './chromium.js';
import type { Chromium } from './chromium.js';
import { embeddedParameters } from './embedded-parameters.js';
import type { EmbeddedParameters } from './embedded-parameters.js';
import { startPipelineUnderTest } from './pipeline-under-test.js';
import type { PipelineUnderTest, Rgb } from './pipeline-under-test.js';
import { createWorldState, startPlaygroundWorld } from './playground-world.js';
import type { PlaygroundWorld, WorldState } from './playground-world.js';

const PROMPT = 'a lighthouse at dusk';
const BOB_PROMPT = 'a second opinion';
/** A job takes about a second on an idle machine; this leaves room for a loaded one. */
const RESULT_TIMEOUT_MS = 30_000;
/** Rounding and PNG → screen (colour management) can shift a channel by a step or two; the oracle's gaps are far larger. */
const COLOUR_TOLERANCE = 2;
/**
 * Runs in the page (built from text, since this project's TypeScript has no DOM types): draws the shown
 * image on a canvas and reads its centre pixel.
 */
const CENTRE_PIXEL = new Function('img', `return (async () => {
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  return [...context.getImageData(canvas.width >> 1, canvas.height >> 1, 1, 1).data.slice(0, 3)];
})();`) as (img: unknown) => Promise<unknown>;
/** Wide enough for the parameters and the image; the rest of the row is empty. */
const RESULT_CROP_WIDTH = 620;

if (!chromiumInstalled) {
  console.warn(`Skipping the playground browser test: it ${CHROMIUM_MISSING}.`);
  it.skip(`playground browser test ${CHROMIUM_MISSING}`, () => undefined);
} else {
  describe('the playground in chromium', () => {
    let pipeline: PipelineUnderTest;
    let state: WorldState;
    let world: PlaygroundWorld;
    let browser: Chromium;
    /** Two tabs, two users. */
    let page: Page;
    let bobPage: Page;

    async function openTab(user: string): Promise<Page> {
      const tab = await browser.context.newPage();
      await tab.goto(world.playground.url);
      await tab.locator('#connection[data-state="open"]').waitFor();
      const name = tab.locator('#name');
      await name.fill(user);
      await name.blur();
      return tab;
    }

    beforeAll(async () => {
      pipeline = await startPipelineUnderTest();
      state = await createWorldState();
      world = await startPlaygroundWorld({ generator: pipeline.generator, model: pipeline.model, state });
      browser = await launchChromium();
      page = await openTab('ann');
      bobPage = await openTab('bob');
    });

    afterAll(async () => {
      if (page !== undefined) await page.screenshot({ path: await artifactPath('playground.png'), fullPage: true });
      await browser?.close();
      await world?.close();
      await pipeline?.close();
      await state?.dispose();
    });

    const results = () => page.locator('.message').filter({ has: page.locator('.gallery') });

    async function send(line: string, tab: Page = page): Promise<void> {
      const input = tab.locator('#command');
      await input.fill(line);
      await input.press('Enter');
    }

    async function fieldOf(message: Locator, label: string): Promise<string | null> {
      const field = message.locator('.field', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) });
      return (await field.count()) === 0 ? null : field.locator('dd').textContent();
    }

    const seedOf = async (message: Locator): Promise<number> => Number(await fieldOf(message, 'Seed'));

    /** The PNG the bot stored for a result message, found through its job record like a re-roll does. */
    async function storedPng(message: Locator): Promise<Uint8Array> {
      const record = await world.jobStore.findByMessage({
        platform: 'playground',
        channelId: 'playground',
        messageId: (await message.getAttribute('data-id')) ?? '',
      });
      const stored = await world.images.get(record?.images[0]?.imageId ?? '');
      if (stored === undefined) throw new Error(`no stored image for message ${String(await message.getAttribute('data-id'))}`);
      return new Uint8Array(stored);
    }

    const withoutSeed = ({ seed: _seed, fields, ...rest }: EmbeddedParameters) => ({
      ...rest,
      fields: new Map([...fields].filter(([name]) => name !== 'Seed')),
    });

    function expectNear(actual: Rgb, expected: Rgb): void {
      expect(actual.map((channel, index) => Math.abs(channel - (expected[index] ?? Number.NaN)))).toSatisfy(
        (gaps: number[]) => gaps.every((gap) => gap <= COLOUR_TOLERANCE),
        `${JSON.stringify(actual)} should be within ${COLOUR_TOLERANCE} of ${JSON.stringify(expected)}`,
      );
    }

    /**
     * Every pixel of the PNG has the oracle colour for the prompt, negative prompt and CFG its own
     * parameters chunk says were used; the seed there is the one the page shows.
     */
    async function expectOracleImage(message: Locator, png: Uint8Array): Promise<{ made: EmbeddedParameters; colour: Rgb }> {
      const made = embeddedParameters(png);
      expect(made.seed).toBe(await seedOf(message));
      const expected = pipeline.expectedColour(made);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      let worst = 0;
      for (let i = 0; i < data.length; i += info.channels) {
        for (let c = 0; c < expected.length; c += 1) worst = Math.max(worst, Math.abs((data[i + c] ?? 0) - (expected[c] ?? 0)));
      }
      expect(worst).toBeLessThanOrEqual(COLOUR_TOLERANCE);
      expectNear(await shownColour(message), expected);
      return { made, colour: expected };
    }

    /** The colour in the middle of the image as the page shows it. */
    async function shownColour(message: Locator): Promise<Rgb> {
      const rgb: unknown = await message.locator('.result img').first().evaluate(CENTRE_PIXEL);
      const [r, g, b] = Array.isArray(rgb) ? rgb : [];
      if (typeof r !== 'number' || typeof g !== 'number' || typeof b !== 'number') {
        throw new Error(`expected an RGB triple from the page, got ${JSON.stringify(rgb)}`);
      }
      return [r, g, b];
    }

    it('/imagine shows a live preview, then the image in the oracle colour with intact PNG bytes; another tab waits in line', async () => {
      await send(`/imagine ${PROMPT} --ar 3:2`);
      const job = page.locator('.message[data-author="bot"]', { has: page.locator('.reply-to', { hasText: 'ann used' }) }).first();
      await job.locator('.reply-to', { hasText: `ann used /imagine ${PROMPT} --ar 3:2` }).waitFor();
      // bob asks while ann's job runs: the fair queue puts him first in line, and his tab says so.
      await send(`/imagine ${BOB_PROMPT}`, bobPage);
      const bobJob = page.locator('.message[data-author="bot"]', { has: page.locator('.reply-to', { hasText: 'bob used' }) });
      await bobJob.locator('.text', { hasText: '1st in line' }).waitFor();

      const preview = job.locator('.preview img');
      await preview.waitFor({ timeout: RESULT_TIMEOUT_MS });
      expect(await preview.getAttribute('src')).toMatch(/^data:image\/png;base64,/);

      await job.locator('.result img').waitFor({ timeout: RESULT_TIMEOUT_MS });
      await expect.poll(() => job.locator('.preview').count()).toBe(0);

      const [download] = await Promise.all([page.waitForEvent('download'), job.locator('a.download').first().click()]);
      const saved = new Uint8Array(await readFile(await download.path()));
      expect(saved).toEqual(await storedPng(job));
      const { made } = await expectOracleImage(job, saved);
      expect(download.suggestedFilename()).toBe(`imagine-${made.seed}.png`);
      expect(made.prompt).toBe(PROMPT);
      const { width = 0, height = 0 } = await sharp(saved).metadata();
      expect(width / height).toBeCloseTo(3 / 2, 1);
      expect(made.fields.get('Size')).toBe(`${width}x${height}`);

      // Cropped to the message itself, for the README.
      const box = await job.boundingBox();
      if (box !== null) {
        const clip = { x: box.x, y: box.y, width: Math.min(box.width, RESULT_CROP_WIDTH), height: box.height };
        await page.screenshot({ path: await artifactPath('playground-result.png'), clip });
      }
    });

    it("bob's image has the colour of his own prompt, not ann's", async () => {
      await expect.poll(() => results().count(), { timeout: RESULT_TIMEOUT_MS }).toBe(2);
      const [ann, bob] = [results().first(), results().nth(1)];
      await bob.locator('.reply-to', { hasText: `bob used /imagine ${BOB_PROMPT}` }).waitFor();
      const annImage = await expectOracleImage(ann, await storedPng(ann));
      const bobImage = await expectOracleImage(bob, await storedPng(bob));
      expect(bobImage.made.prompt).toBe(BOB_PROMPT);
      const gap = Math.max(...bobImage.colour.map((channel, index) => Math.abs(channel - (annImage.colour[index] ?? Number.NaN))));
      expect(gap).toBeGreaterThan(COLOUR_TOLERANCE);
    });

    it('Re-roll gives a new message with a new seed and the same prompt, in the same colour', async () => {
      await expect.poll(() => results().count(), { timeout: RESULT_TIMEOUT_MS }).toBe(2);
      const first = results().first();
      const original = embeddedParameters(await storedPng(first));
      await first.getByRole('button', { name: 'Re-roll' }).click();
      await expect.poll(() => results().count(), { timeout: RESULT_TIMEOUT_MS }).toBe(3);
      const reroll = results().nth(2);
      await reroll.locator('.reply-to', { hasText: 'ann pressed 🔄 Re-roll' }).waitFor();
      expect(await reroll.locator('.text').textContent()).toContain(PROMPT);
      const { made } = await expectOracleImage(reroll, await storedPng(reroll));
      expect(made.seed).not.toBe(original.seed);
      expect(withoutSeed(made)).toEqual(withoutSeed(original));
    });

    it('a bad flag shows an error that names it, to the user who typed it', async () => {
      await send('/imagine a fox --steps 80');
      const error = page.locator('.message[data-tone="error"]').last();
      await error.waitFor();
      expect(await error.locator('.text').textContent()).toMatch(/--steps.*80/);
      expect(await error.locator('.private-note').textContent()).toContain('Only you can see this');
      expect(await bobPage.locator('.message[data-tone="error"]').count()).toBe(0);
    });
  });
}
