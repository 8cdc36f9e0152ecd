// The CLI's editing options on an oracle folder: --init with --mask repaints only the white area,
// a bad mask exits 2 naming it, and --hires writes the larger image with its parameters.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import { colourSpread, decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI_TIMEOUT_MS = 60_000;
const EXIT_BAD_OPTIONS = 2;
const INIT_RGB = [20, 160, 90] as const;
const VARIANT = { vaeEncoder: 'latent_sample' } as const;

function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'src/cli.ts', ...args], { cwd: REPO, timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('imagine CLI editing options', () => {
  let work = '';
  let modelDir = '';
  let oracle: OracleModel;
  let init = '';
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'imagine-cli-edit-'));
    modelDir = join(work, 'oracle-model');
    await writeOracleModel(modelDir, VARIANT);
    oracle = await openOracleModel(VARIANT);
    init = join(work, 'init.png');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: INIT_RGB[0], g: INIT_RGB[1], b: INIT_RGB[2] } } }).png().toFile(init);
  });
  afterAll(async () => {
    await oracle?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('--init with --mask repaints the white half with the prompt and keeps the black half', async () => {
    const mask = join(work, 'mask.png');
    const white = await sharp({ create: { width: 32, height: 64, channels: 3, background: '#ffffff' } }).png().toBuffer();
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000000' } }).composite([{ input: white, left: 32, top: 0 }]).png().toFile(mask);
    const out = join(work, 'inpainted.png');
    const run = await runCli(['--model', modelDir, '--prompt', 'a photo of a cat', '--init', init, '--mask', mask, '--mask-blur', '0', '--steps', '4', '--cfg', '4', '--sampler', 'euler', '--out', out, '--width', '64', '--height', '64']);
    expect(run.code, run.stderr).toBe(0);
    const png = await readFile(out);
    const image = await decodePng(png);
    const left = await sharp(png).extract({ left: 0, top: 0, width: 32, height: 64 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const right = await sharp(png).extract({ left: 32, top: 0, width: 32, height: 64 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const prompt = oracle.expectedColour('a photo of a cat', '', 4);
    expect(colourSpread(prompt, INIT_RGB)).toBeGreaterThan(40);
    expect(maxColourError({ width: 32, height: 64, pixels: left.data }, INIT_RGB)).toBeLessThanOrEqual(2);
    expect(maxColourError({ width: 32, height: 64, pixels: right.data }, prompt)).toBeLessThanOrEqual(2);
    expect(image.width).toBe(64);
    const fields = parseParameterFields(readPngText(png).get('parameters') ?? '');
    expect([fields.get('Mask blur'), fields.get('Denoising strength')]).toEqual(['0', '1']);
  });

  it('a mask that is not a picture exits 2 and names the mask', async () => {
    const mask = join(work, 'mask.txt');
    await writeFile(mask, 'white means repaint');
    const run = await runCli(['--model', modelDir, '--prompt', 'p', '--init', init, '--mask', mask, '--steps', '1', '--width', '64', '--height', '64', '--out', join(work, 'never.png')]);
    expect(run.code).toBe(EXIT_BAD_OPTIONS);
    expect(run.stderr).toMatch(/imagine: the mask is not a picture/);
  });

  it('--hires 2 writes the doubled image, records the hires parameters and shows both passes on one bar', async () => {
    const out = join(work, 'hires.png');
    const run = await runCli(['--model', modelDir, '--prompt', 'a photo of a cat', '--steps', '4', '--cfg', '4', '--sampler', 'euler', '--width', '32', '--height', '32', '--hires', '2', '--hires-steps', '4', '--hires-denoise', '0.5', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ width: 64, height: 64 });
    expect(run.stderr).toContain('step 6/6');
    const png = await readFile(out);
    expect(maxColourError(await decodePng(png), oracle.expectedColour('a photo of a cat', '', 4))).toBeLessThanOrEqual(2);
    const fields = parseParameterFields(readPngText(png).get('parameters') ?? '');
    expect([fields.get('Size'), fields.get('Hires upscale'), fields.get('Hires steps'), fields.get('Hires upscaler'), fields.get('Denoising strength')]).toEqual(['32x32', '2', '4', 'Latent', '0.5']);
  });
});
