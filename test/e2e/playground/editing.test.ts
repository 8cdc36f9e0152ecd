// The editing loop in the playground, in a real browser (Debian's chromium via playwright-core),
// on the real server, commands layer, job service and pipeline worker with an oracle model:
// /imagine with an uploaded image and mask, Vary (Region) painted with the brush, and Remix as a
// dialog. The oracle paints what it denoises in the prompt's colour and keeps what the mask keeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { colourDistance, flatPng, leftHalfMaskPng, meanColour, type Box } from '../support/edit-pictures.js';
import { artifactPath, CHROMIUM_MISSING, chromiumInstalled, launchChromium, type Chromium } from './chromium.js';
import { embeddedParameters } from './embedded-parameters.js';
import { startPipelineUnderTest, type PipelineUnderTest, type Rgb } from './pipeline-under-test.js';
import { createWorldState, startPlaygroundWorld, type PlaygroundWorld, type WorldState } from './playground-world.js';

const RESULT_TIMEOUT_MS = 60_000;
const SIDE = 512;
const GREEN: Rgb = [12, 200, 34];
/** Over a repainted flat box the mean moves a step or two (mask blur, the latent grid); kept areas are the upload exactly. */
const AREA_TOLERANCE = 4;
const LEFT_HALF: Box = { left: 40, top: 60, width: SIDE / 2 - 80, height: SIDE - 120 };
const RIGHT_HALF: Box = { left: SIDE / 2 + 40, top: 60, width: SIDE / 2 - 80, height: SIDE - 120 };

if (!chromiumInstalled) {
  console.warn(`Skipping the playground editing test: it ${CHROMIUM_MISSING}.`);
  it.skip(`playground editing test ${CHROMIUM_MISSING}`, () => undefined);
} else {
  describe('editing in the playground, in chromium', () => {
    let pipeline: PipelineUnderTest;
    let state: WorldState;
    let world: PlaygroundWorld;
    let browser: Chromium;
    let page: Page;

    beforeAll(async () => {
      pipeline = await startPipelineUnderTest();
      state = await createWorldState();
      world = await startPlaygroundWorld({ generator: pipeline.generator, model: pipeline.model, state });
      browser = await launchChromium();
      page = await browser.context.newPage();
      await page.goto(world.playground.url);
      await page.locator('#connection[data-state="open"]').waitFor();
      await page.locator('#name').fill('ann');
      await page.locator('#name').blur();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await world?.close();
      await pipeline?.close();
      await state?.dispose();
    });

    const results = () => page.locator('.message').filter({ has: page.locator('.gallery') });

    async function nthResult(n: number): Promise<Locator> {
      const result = results().nth(n - 1);
      await result.locator('.result img').waitFor({ timeout: RESULT_TIMEOUT_MS });
      return result;
    }

    async function storedPng(message: Locator): Promise<{ png: Uint8Array; record: Awaited<ReturnType<PlaygroundWorld['jobStore']['findByMessage']>> }> {
      const record = await world.jobStore.findByMessage({ platform: 'playground', channelId: 'playground', messageId: (await message.getAttribute('data-id')) ?? '' });
      const stored = await world.images.get(record?.images[0]?.imageId ?? '');
      if (stored === undefined) throw new Error('no stored image for that message');
      return { png: new Uint8Array(stored), record };
    }

    function promptColour(png: Uint8Array): Rgb {
      return pipeline.expectedColour(embeddedParameters(png));
    }

    it('/imagine with an uploaded image and mask, then Vary (Region) painted with the brush', async () => {
      await page.locator('#image-file').setInputFiles({ name: 'barn.png', mimeType: 'image/png', buffer: await flatPng(SIDE, SIDE, GREEN) });
      await page.locator('#mask-file').setInputFiles({ name: 'left.png', mimeType: 'image/png', buffer: await leftHalfMaskPng(SIDE, SIDE) });
      await page.locator('#command').fill('/imagine a red barn --size 512x512');
      await page.locator('#command').press('Enter');
      const first = await nthResult(1);
      const { png } = await storedPng(first);
      const paint = promptColour(png);
      expect(colourDistance(await meanColour(png, LEFT_HALF), paint)).toBeLessThanOrEqual(AREA_TOLERANCE);
      expect(await meanColour(png, RIGHT_HALF)).toEqual(GREEN);

      // Paint a band across the right half; everything else stays as it was.
      await first.getByRole('button', { name: 'Vary (Region)' }).click();
      const dialog = page.locator('dialog.brush-dialog');
      const canvas = dialog.locator('canvas.brush-overlay');
      await canvas.waitFor();
      await expect.poll(async () => (await canvas.boundingBox())?.width ?? 0).toBeGreaterThan(0);
      const box = (await canvas.boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
      const at = (x: number, y: number) => ({ x: box.x + (x / SIDE) * box.width, y: box.y + (y / SIDE) * box.height });
      const from = at(SIDE * 0.6, SIDE / 2);
      const to = at(SIDE * 0.95, SIDE / 2);
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 12 });
      await page.mouse.up();
      await page.screenshot({ path: await artifactPath('playground-brush.png') });
      await dialog.getByRole('button', { name: 'Repaint' }).click();

      const varied = await nthResult(2);
      const { png: repainted, record } = await storedPng(varied);
      expect(record?.request).toMatchObject({ origin: 'vary_region', mask: { source: { kind: 'stored' } } });
      const band: Box = { left: Math.round(SIDE * 0.7), top: SIDE / 2 - 8, width: Math.round(SIDE * 0.15), height: 16 };
      const corner: Box = { left: SIDE - 100, top: 20, width: 80, height: 60 };
      expect(colourDistance(await meanColour(repainted, band), paint)).toBeLessThanOrEqual(AREA_TOLERANCE);
      expect(await meanColour(repainted, corner)).toEqual(GREEN);
    });

    it('Remix opens a dialog prefilled from the job; sending it runs the edited prompt as a new job', async () => {
      const first = await nthResult(1);
      await first.getByRole('button', { name: 'Remix' }).click();
      const dialog = page.locator('dialog.form-dialog');
      await dialog.waitFor();
      await expect(dialog.locator('textarea[name="prompt"]').inputValue()).resolves.toBe('a red barn');
      await expect(dialog.locator('input[name="size"]').inputValue()).resolves.toBe(`${SIDE}x${SIDE}`);
      await dialog.locator('textarea[name="prompt"]').fill('a blue barn');
      await dialog.getByRole('button', { name: 'Make it' }).click();

      const remixed = await nthResult(3);
      await remixed.locator('.reply-to', { hasText: 'ann sent Remix' }).waitFor();
      const { png, record } = await storedPng(remixed);
      expect(embeddedParameters(png).prompt).toBe('a blue barn');
      expect(record?.request).toMatchObject({ origin: 'remix', prompt: 'a blue barn' });
      // The remix keeps the image and mask it started from: the new prompt's colour on the left, green on the right.
      const blue = promptColour(png);
      expect(colourDistance(blue, promptColour((await storedPng(first)).png))).toBeGreaterThan(AREA_TOLERANCE);
      expect(colourDistance(await meanColour(png, LEFT_HALF), blue)).toBeLessThanOrEqual(AREA_TOLERANCE);
      expect(await meanColour(png, RIGHT_HALF)).toEqual(GREEN);
      await page.screenshot({ path: await artifactPath('playground-editing.png'), fullPage: false });
    });
  });
}
