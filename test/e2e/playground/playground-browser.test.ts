// The playground in a real browser: Debian's chromium driven by playwright-core, against the real
// server, commands layer, job service and pipeline worker process.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Locator, Page } from 'playwright-core';
import { artifactPath, CHROMIUM_MISSING, chromiumInstalled, launchChromium } from './chromium.js';
import type { Chromium } from './chromium.js';
import { startPipelineUnderTest } from './pipeline-under-test.js';
import type { PipelineUnderTest, Rgb, ShownImage } from './pipeline-under-test.js';
import { createWorldState, startPlaygroundWorld } from './playground-world.js';
import type { PlaygroundWorld, WorldState } from './playground-world.js';

const PROMPT = 'a lighthouse at dusk';
const RESULT_TIMEOUT_MS = 30_000;
/** PNG → screen can shift a channel by a step or two (colour management); the oracle's gaps are far larger. */
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

    /** The parameters the page shows for a result, as the pipeline under test needs them. */
    async function shownImage(message: Locator): Promise<ShownImage> {
      return {
        seed: await seedOf(message),
        prompt: PROMPT,
        negativePrompt: (await fieldOf(message, 'Negative prompt')) ?? '',
        guidanceScale: Number(await fieldOf(message, 'CFG scale')),
      };
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
      await send('/imagine a second opinion', bobPage);
      const bobJob = page.locator('.message[data-author="bot"]', { has: page.locator('.reply-to', { hasText: 'bob used' }) });
      await bobJob.locator('.text', { hasText: '1st in line' }).waitFor();

      const preview = job.locator('.preview img');
      await preview.waitFor({ timeout: RESULT_TIMEOUT_MS });
      expect(await preview.getAttribute('src')).toMatch(/^data:image\/png;base64,/);

      await job.locator('.result img').waitFor({ timeout: RESULT_TIMEOUT_MS });
      await expect.poll(() => job.locator('.preview').count()).toBe(0);
      const seed = await seedOf(job);
      const expected = pipeline.expectedColour(await shownImage(job));
      const shown = await shownColour(job);
      shown.forEach((channel, index) => expect(Math.abs(channel - (expected[index] ?? -1))).toBeLessThanOrEqual(COLOUR_TOLERANCE));

      const [download] = await Promise.all([page.waitForEvent('download'), job.locator('a.download').first().click()]);
      expect(download.suggestedFilename()).toBe(`imagine-${seed}.png`);
      const saved = new Uint8Array(await readFile(await download.path()));
      const record = (await world.jobStore.findByMessage({
        platform: 'playground',
        channelId: 'playground',
        messageId: (await job.getAttribute('data-id')) ?? '',
      }));
      const stored = await world.images.get(record?.images[0]?.imageId ?? '');
      expect(saved).toEqual(new Uint8Array(stored ?? []));
      const { data, info } = await sharp(saved).raw().toBuffer({ resolveWithObject: true });
      expect(info.width / info.height).toBeCloseTo(3 / 2, 1);
      expect([...data.subarray(0, 3)]).toEqual([...expected]);

      // Cropped to the message itself, for the README.
      const box = await job.boundingBox();
      if (box !== null) {
        const clip = { x: box.x, y: box.y, width: Math.min(box.width, RESULT_CROP_WIDTH), height: box.height };
        await page.screenshot({ path: await artifactPath('playground-result.png'), clip });
      }
    });

    it('Re-roll gives a new message with a new seed', async () => {
      await expect.poll(() => results().count(), { timeout: RESULT_TIMEOUT_MS }).toBe(2);
      const first = results().first();
      const firstSeed = await seedOf(first);
      await first.getByRole('button', { name: 'Re-roll' }).click();
      await expect.poll(() => results().count(), { timeout: RESULT_TIMEOUT_MS }).toBe(3);
      const reroll = results().nth(2);
      await reroll.locator('.reply-to', { hasText: 'ann pressed 🔄 Re-roll' }).waitFor();
      expect(await reroll.locator('.text').textContent()).toContain(PROMPT);
      const seed = await seedOf(reroll);
      expect(seed).not.toBe(firstSeed);
      const expected = pipeline.expectedColour(await shownImage(reroll));
      const shown = await shownColour(reroll);
      shown.forEach((channel, index) => expect(Math.abs(channel - (expected[index] ?? -1))).toBeLessThanOrEqual(COLOUR_TOLERANCE));
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
