// `npx tsx src/cli.ts` on an oracle folder: exit codes, the JSON line per image, and the PNG.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import { decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI_TIMEOUT_MS = 60_000;
const EXIT_BAD_OPTIONS = 2;

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'src/cli.ts', ...args], { cwd: REPO, timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** stderr minus npm's own warnings about this repository's .npmrc. */
function ownLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'));
}

describe('imagine CLI', () => {
  let work = '';
  let modelDir = '';
  let oracle: OracleModel;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'imagine-cli-'));
    modelDir = join(work, 'oracle-model');
    const variant = { safetyRedThreshold: 0.5 };
    await writeOracleModel(modelDir, variant);
    oracle = await openOracleModel(variant); // closed-form expectations for the same variant
  });
  afterAll(async () => {
    await oracle?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('writes the PNGs and prints one JSON line per image, nsfw included', async () => {
    const out = join(work, 'out', 'cat.png');
    const run = await runCli([
      '--model', modelDir, '--prompt', 'a photo of a cat', '--steps', '4', '--cfg', '4', '--sampler', 'euler',
      '--width', '64', '--height', '48', '--seed', '5', '--count', '2', '--out', out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines.map(({ elapsedMs: _, ...rest }) => rest)).toEqual([
      { file: join(work, 'out', 'cat-1.png'), seed: 5, width: 64, height: 48, nsfw: true },
      { file: join(work, 'out', 'cat-2.png'), seed: 6, width: 64, height: 48, nsfw: true },
    ]);
    const image = await decodePng(await readFile(join(work, 'out', 'cat-2.png')));
    expect([image.width, image.height]).toEqual([64, 48]);
    expect(maxColourError(image, oracle.expectedColour('a photo of a cat', '', 4))).toBeLessThanOrEqual(2);
  });

  it('starts from an init image with --init and --strength', async () => {
    const init = join(work, 'init.png');
    await sharp({ create: { width: 90, height: 50, channels: 3, background: { r: 20, g: 160, b: 90 } } }).png().toFile(init);
    const out = join(work, 'same.png');
    const run = await runCli(['--model', modelDir, '--prompt', 'x', '--init', init, '--strength', '0', '--width', '64', '--height', '64', '--out', out, '--no-safety-checker']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ width: 64, height: 64, nsfw: false });
    expect(maxColourError(await decodePng(await readFile(out)), [20, 160, 90])).toBeLessThanOrEqual(1);
  });

  it.each([
    [['--model', 'm', '--prompt', 'p', '--steps', 'many'], /^imagine: --steps must be an integer 1–150, got "many"$/],
    [['--model', 'm', '--prompt', 'p', '--frobnicate'], /^imagine: .*frobnicate/],
    [['--prompt', 'p'], /^imagine: --model DIR is required/],
    [['--model', 'm', '--prompt', 'p', '--strength', '0.5'], /^imagine: --strength needs --init FILE$/],
    [['--model', 'm', '--prompt', 'p', '--fast-decode'], /^imagine: --fast-decode needs --taesd DIR/],
  ])('exits 2 with a one-line reason for %j', async (args, reason) => {
    const run = await runCli(args);
    expect(run.code).toBe(EXIT_BAD_OPTIONS);
    expect(run.stdout).toBe('');
    expect(ownLines(run.stderr)).toHaveLength(1);
    expect(ownLines(run.stderr)[0]).toMatch(reason);
  });

  it('exits 2 when the model cannot do what was asked (clip skip without hidden states)', async () => {
    const run = await runCli(['--model', modelDir, '--prompt', 'p', '--clip-skip', '2', '--steps', '1', '--width', '64', '--height', '64', '--out', join(work, 'never.png')]);
    expect(run.code).toBe(EXIT_BAD_OPTIONS);
    expect(ownLines(run.stderr)).toEqual([expect.stringMatching(/^imagine: clip-skip 2 needs the text encoder's hidden states/)]);
  });
});
