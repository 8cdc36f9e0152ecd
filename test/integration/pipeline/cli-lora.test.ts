// `npm run imagine -- --model DIR --lora-dir DIR --lora NAME:WEIGHT`, and `<lora:…>` inside --prompt:
// the PNG has the colour the closed form gives with the LoRAs applied; an unknown name exits 2
// with the closest names.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { ClipTokenizer } from '../../../src/pipeline/text/tokenizer/clip-tokenizer.js';
import {
  effectiveScalingFactor,
  oracleColour,
  oracleLoraProjection,
  oracleX0,
  writeOracleLora,
  writeOracleModel,
  type OracleLora,
  type OracleVariant,
} from '../../fixtures/oracle/index.js';
import { decodePng, maxColourError } from './oracle-helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI_TIMEOUT_MS = 90_000;
const VARIANT: OracleVariant = { loraTarget: 'float32' };
const PROMPT = 'a photo of a cat';

function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'src/cli.ts', ...args], { cwd: REPO, timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('imagine CLI with LoRAs', () => {
  let work = '';
  let modelDir = '';
  let loraDir = '';
  const files: Record<string, OracleLora> = {};
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'imagine-cli-lora-'));
    modelDir = join(work, 'model');
    loraDir = join(work, 'loras');
    await writeOracleModel(modelDir, VARIANT);
    await mkdir(loraDir);
    files['ink'] = await writeOracleLora(join(loraDir, 'ink.safetensors'), VARIANT, { format: 'kohya', rank: 4 });
    files['glow'] = await writeOracleLora(join(loraDir, 'glow.safetensors'), VARIANT, { format: 'peft', rank: 2, salt: 2 });
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('applies --lora and a tag in --prompt, and writes them into the PNG', async () => {
    const out = join(work, 'out.png');
    const run = await runCli([
      '--model', modelDir, '--lora-dir', loraDir, '--lora-cache', join(work, 'cache'), '--prompt', `${PROMPT} <lora:glow:0.5>`, '--lora', 'ink',
      '--steps', '4', '--cfg', '1', '--sampler', 'euler', '--width', '64', '--height', '64', '--seed', '3', '--out', out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('applying LoRA');
    const png = await readFile(out);
    const tokenizer = await ClipTokenizer.fromFolder(join(modelDir, 'tokenizer'));
    const projection = oracleLoraProjection(VARIANT, [{ lora: files['glow']!, weight: 0.5 }, { lora: files['ink']!, weight: 1 }]);
    const colour = oracleColour(VARIANT, oracleX0(VARIANT, tokenizer.encode(PROMPT).inputIds, 1, projection), effectiveScalingFactor(VARIANT));
    expect(maxColourError(await decodePng(png), colour)).toBeLessThanOrEqual(2);
    expect(readPngText(png).get('parameters')?.split('\n')[0]).toBe(`${PROMPT} <lora:glow:0.5> <lora:ink:1>`);
  }, CLI_TIMEOUT_MS);

  it('exits 2 for an unknown LoRA, offering the closest names', async () => {
    const run = await runCli(['--model', modelDir, '--lora-dir', loraDir, '--prompt', PROMPT, '--lora', 'inc:0.7', '--steps', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('imagine: `--lora inc:0.7`: there is no LoRA `inc`. Closest: `ink`, `glow`.');
  }, CLI_TIMEOUT_MS);
});
