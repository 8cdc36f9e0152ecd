// LoRAs applied to an ONNX export without re-exporting it: the oracle UNet's projection is a
// torch-style MatMul over an anonymous, transposed, external-data initializer, and a LoRA on that
// module moves the flat colour exactly as x0 = K·tanh(mean·(P + Σ w·ΔWᵀ)) says.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { StableDiffusionPipeline } from '../../../src/pipeline/sd/stable-diffusion.js';
import type { GenerationParams, GenerationProgress, LoraRequest } from '../../../src/pipeline/types.js';
import {
  effectiveScalingFactor,
  oracleColour,
  oracleLoraProjection,
  oracleX0,
  writeOracleLora,
  writeSdxlLora,
  type OracleLora,
  type OracleVariant,
} from '../../fixtures/oracle/index.js';
import { colourSpread, decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const BASE: GenerationParams = {
  prompt: 'a lighthouse at dusk',
  negativePrompt: '',
  seed: 7,
  numInferenceSteps: 4,
  guidanceScale: 1,
  sampler: 'euler',
  width: 64,
  height: 64,
  count: 1,
};
const TOLERANCE = 2;

interface LoraSetup {
  readonly model: OracleModel;
  readonly loraDir: string;
  readonly files: Record<string, OracleLora>;
}

async function setUp(variant: OracleVariant, dtype: 'F32' | 'F16'): Promise<LoraSetup> {
  const loraDir = await mkdtemp(join(tmpdir(), 'imagine-loras-'));
  const files: Record<string, OracleLora> = {
    kohya: await writeOracleLora(join(loraDir, 'kohya.safetensors'), variant, { format: 'kohya', rank: 4, alpha: 2, dtype }),
    peft: await writeOracleLora(join(loraDir, 'peft.safetensors'), variant, { format: 'peft', rank: 2, dtype, salt: 1 }),
    partial: await writeOracleLora(join(loraDir, 'partial.safetensors'), variant, { format: 'kohya', rank: 2, dtype, salt: 4, withTextEncoderModule: true }),
  };
  await writeSdxlLora(join(loraDir, 'xl-style.safetensors'));
  const model = await openOracleModel(variant, { loraDir, loraCacheDir: join(loraDir, 'cache') });
  return { model, loraDir, files };
}

function expectedColour(setup: LoraSetup, prompt: string, loras: readonly LoraRequest[]): [number, number, number] {
  const { variant, tokenizer } = setup.model;
  const projection = oracleLoraProjection(variant, loras.map(({ name, weight }) => ({ lora: setup.files[name]!, weight })));
  return oracleColour(variant, oracleX0(variant, tokenizer.encode(prompt).inputIds, 1, projection), effectiveScalingFactor(variant));
}

describe('LoRA on an fp32 export with external data', () => {
  let setup: LoraSetup;
  beforeAll(async () => {
    setup = await setUp({ loraTarget: 'float32' }, 'F32');
  });
  afterAll(async () => {
    await setup?.model.dispose();
    await rm(setup?.loraDir ?? '', { recursive: true, force: true });
  });

  const cases: ReadonlyArray<readonly [string, readonly LoraRequest[]]> = [
    ['kohya at weight 1', [{ name: 'kohya', weight: 1 }]],
    ['PEFT without alpha at weight 0.5', [{ name: 'peft', weight: 0.5 }]],
    ['two LoRAs at once', [{ name: 'kohya', weight: 1 }, { name: 'peft', weight: -1.5 }]],
  ];
  it.each(cases)('moves the colour as the closed form says: %s', async (_label, loras) => {
    const result = await setup.model.pipeline.generate({ ...BASE, loras });
    const image = await decodePng(result.images[0]!.png);
    const expected = expectedColour(setup, BASE.prompt, loras);
    expect(maxColourError(image, expected)).toBeLessThanOrEqual(TOLERANCE);
    // The LoRA really moved it: the colour without it is clearly elsewhere.
    expect(colourSpread(expected, expectedColour(setup, BASE.prompt, []))).toBeGreaterThan(5);
    expect(result.loras?.map((lora) => [lora.name, lora.applied, lora.total])).toEqual(loras.map((lora) => [lora.name, 1, 1]));
  });

  it('applies what fits of a LoRA that only partly matches the model, and says how much', async () => {
    const loras = [{ name: 'partial', weight: 1 }];
    const result = await setup.model.pipeline.generate({ ...BASE, loras });
    expect(result.loras?.map((lora) => [lora.applied, lora.total])).toEqual([[1, 2]]);
    expect(maxColourError(await decodePng(result.images[0]!.png), expectedColour(setup, BASE.prompt, loras))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('writes A1111 Lora hashes (first 12 hex of the file SHA-256) into the PNG', async () => {
    const result = await setup.model.pipeline.generate({ ...BASE, loras: [{ name: 'kohya', weight: 1 }, { name: 'peft', weight: 0.5 }] });
    const hash = async (name: string): Promise<string> =>
      createHash('sha256').update(await readFile(join(setup.loraDir, `${name}.safetensors`))).digest('hex').slice(0, 12);
    const fields = parseParameterFields(readPngText(result.images[0]!.png).get('parameters')!);
    const text = readPngText(result.images[0]!.png).get('parameters')!;
    expect(text.split("\n")[0]).toBe(`${BASE.prompt} <lora:kohya:1> <lora:peft:0.5>`);
    expect(text).toContain(`Lora hashes: "kohya: ${await hash('kohya')}, peft: ${await hash('peft')}"`);
    expect(fields.get('Seed')).toBe(String(BASE.seed));
  });

  it('reports "applying LoRA" once per new set, and reuses the set\'s session on the next job', async () => {
    const loras = [{ name: 'kohya', weight: 0.5 }];
    const phases: GenerationProgress[] = [];
    const first = await setup.model.pipeline.generate({ ...BASE, loras }, { onProgress: (p) => phases.push(p) });
    expect(phases.filter((p) => p.phase === 'applying_lora')).toHaveLength(1);
    expect(phases[0]?.phase).toBe('applying_lora');
    const cacheEntries = await readdir(join(setup.loraDir, 'cache'));
    const again: GenerationProgress[] = [];
    const started = performance.now();
    const second = await setup.model.pipeline.generate({ ...BASE, loras, seed: 8 }, { onProgress: (p) => again.push(p) });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(again.some((p) => p.phase === 'applying_lora')).toBe(false);
    expect(await readdir(join(setup.loraDir, 'cache'))).toEqual(cacheEntries);
    const expected = expectedColour(setup, BASE.prompt, loras);
    expect(maxColourError(await decodePng(first.images[0]!.png), expected)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxColourError(await decodePng(second.images[0]!.png), expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('finds the patched copy on disk after a restart instead of writing it again', async () => {
    const loras = [{ name: 'kohya', weight: 0.5 }];
    const cache = join(setup.loraDir, 'cache');
    const before = await readdir(cache);
    const restarted = await StableDiffusionPipeline.load(setup.model.dir, 'oracle', {
      provider: 'cpu', allowCpuFallback: false, previewEvery: 0, safetyChecker: true, threads: 1, loraDir: setup.loraDir, loraCacheDir: cache,
    });
    try {
      const result = await restarted.generate({ ...BASE, loras });
      expect(maxColourError(await decodePng(result.images[0]!.png), expectedColour(setup, BASE.prompt, loras))).toBeLessThanOrEqual(TOLERANCE);
      expect(await readdir(cache)).toEqual(before);
    } finally {
      await restarted.release();
    }
  });

  it('goes back to the plain model for a job without LoRAs', async () => {
    const result = await setup.model.pipeline.generate(BASE);
    expect(maxColourError(await decodePng(result.images[0]!.png), expectedColour(setup, BASE.prompt, []))).toBeLessThanOrEqual(TOLERANCE);
    expect(readPngText(result.images[0]!.png).get('parameters')).not.toContain('Lora hashes');
  });

  it('refuses a LoRA made for SDXL, naming it and the kind of model it seems to be for', async () => {
    await expect(setup.model.pipeline.generate({ ...BASE, loras: [{ name: 'xl-style', weight: 1 }] })).rejects.toMatchObject({
      code: 'invalid_params',
      message: expect.stringMatching(/LoRA "xl-style" matches none of this model's weights: it looks made for SDXL, and "oracle" is an SD1 model/),
    });
  });
});

describe('LoRA on an fp16 export', () => {
  let setup: LoraSetup;
  beforeAll(async () => {
    await mkdir(tmpdir(), { recursive: true });
    setup = await setUp({ loraTarget: 'float16', precision: 'fp16' }, 'F16');
  });
  afterAll(async () => {
    await setup?.model.dispose();
    await rm(setup?.loraDir ?? '', { recursive: true, force: true });
  });

  it('patches float16 weights in float32 and rounds back, with an F16 LoRA file', async () => {
    const loras = [{ name: 'kohya', weight: 1 }];
    const result = await setup.model.pipeline.generate({ ...BASE, loras });
    expect(maxColourError(await decodePng(result.images[0]!.png), expectedColour(setup, BASE.prompt, loras))).toBeLessThanOrEqual(TOLERANCE);
  });
});
