// TAESD: previews (and, in fast mode, the final decode) through a tiny decoder fed the latents as
// the UNet sees them. The oracle TAESD maps a latent with its own known weights, SD and SDXL apart.
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../src/pipeline/errors.js';
import { StableDiffusionPipeline } from '../../../src/pipeline/sd/stable-diffusion.js';
import type { GenerationParams, GenerationProgress } from '../../../src/pipeline/types.js';
import { oracleTaesdColour, writeOracleModel, writeOracleTaesd, type OracleVariant } from '../../fixtures/oracle/index.js';
import { colourSpread, decodePng, maxColourError, openOracleModel, type OracleModel } from './oracle-helpers.js';

const BASE: GenerationParams = {
  prompt: 'a photo of a cat',
  negativePrompt: 'blurry',
  seed: 4,
  numInferenceSteps: 4,
  guidanceScale: 4,
  sampler: 'euler',
  width: 64,
  height: 48,
  count: 1,
};

let taesdDir = '';
beforeAll(async () => {
  taesdDir = await mkdtemp(join(tmpdir(), 'imagine-taesd-'));
  await writeOracleTaesd(taesdDir);
});
afterAll(async () => rm(taesdDir, { recursive: true, force: true }));

async function previewsOf(model: OracleModel, params: GenerationParams): Promise<Uint8Array[]> {
  const events: GenerationProgress[] = [];
  await model.pipeline.generate(params, { previewEvery: 1, onProgress: (p) => events.push(p) });
  return events.flatMap((e) => (e.preview ? [e.preview] : []));
}

describe.each([
  ['SD', {}, 'sd'],
  ['SDXL', { sdxl: true }, 'sdxl'],
] as const)('%s folder with a TAESD folder', (_label, variant: OracleVariant, family) => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel(variant, { taesdDir });
  });
  afterAll(async () => model?.dispose());

  it(`previews x0 through ${family === 'sd' ? 'taesd_decoder' : 'taesdxl_decoder'}.onnx, without dividing by the VAE scale`, async () => {
    expect(model.pipeline.info.hasTaesd).toBe(true);
    const previews = await previewsOf(model, BASE);
    expect(previews).toHaveLength(BASE.numInferenceSteps - 1);
    const latent = model.expectedLatent(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, BASE);
    const expected = oracleTaesdColour(family, latent);
    for (const preview of previews) {
      const image = await decodePng(preview);
      expect([image.width, image.height]).toEqual([64, 48]);
      expect(maxColourError(image, expected)).toBeLessThanOrEqual(1);
    }
    expect(colourSpread(expected, oracleTaesdColour(family === 'sd' ? 'sdxl' : 'sd', latent))).toBeGreaterThan(4);
    // The final image still comes from the full VAE.
    const result = await model.pipeline.generate(BASE);
    expect(maxColourError(await decodePng(result.images[0]!.png), model.expectedColour(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale, BASE))).toBeLessThanOrEqual(2);
  });
});

describe('TAESD previews of a large batch', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({}, { taesdDir });
  });
  afterAll(async () => model?.dispose());

  it('shrink the latents first, so the preview is at most 256 px and the decoder runs small', async () => {
    const before = model.pipeline.runStats().taesdDecoder!.runs;
    const previews = await previewsOf(model, { ...BASE, width: 512, height: 256, count: 2, numInferenceSteps: 2 });
    expect(model.pipeline.runStats().taesdDecoder!.runs - before).toBe(1);
    const image = await decodePng(previews[0]!);
    expect([image.width, image.height]).toEqual([256, 64]); // two 256×128 tiles side by side, shrunk to 256 wide
    expect(maxColourError(image, oracleTaesdColour('sd', model.expectedLatent(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale)))).toBeLessThanOrEqual(1);
  });
});

describe('fast decode', () => {
  let model: OracleModel;
  beforeAll(async () => {
    model = await openOracleModel({}, { taesdDir, fastDecode: true });
  });
  afterAll(async () => model?.dispose());

  it('decodes the final images with TAESD instead of the VAE', async () => {
    const before = model.pipeline.runStats();
    const result = await model.pipeline.generate({ ...BASE, count: 2 });
    const after = model.pipeline.runStats();
    expect(after.vaeDecoder!.runs - before.vaeDecoder!.runs).toBe(0);
    expect(after.taesdDecoder!.runs - before.taesdDecoder!.runs).toBe(1);
    const expected = oracleTaesdColour('sd', model.expectedLatent(BASE.prompt, BASE.negativePrompt, BASE.guidanceScale));
    for (const image of result.images) {
      const decoded = await decodePng(image.png);
      expect([decoded.width, decoded.height]).toEqual([64, 48]);
      expect(maxColourError(decoded, expected)).toBeLessThanOrEqual(1);
    }
  });
});

describe('TAESD configuration problems', () => {
  it('names the missing decoder file, and refuses fast decode without a TAESD folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagine-taesd-model-'));
    const partial = await mkdtemp(join(tmpdir(), 'imagine-taesd-partial-'));
    try {
      await writeOracleModel(dir);
      await writeOracleTaesd(partial);
      await unlink(join(partial, 'taesd_decoder.onnx'));
      const options = { provider: 'cpu', allowCpuFallback: false, previewEvery: 0, safetyChecker: false } as const;
      await expect(StableDiffusionPipeline.load(dir, 'm', { ...options, taesdDir: partial })).rejects.toThrow(/taesd_decoder\.onnx is missing/);
      await expect(StableDiffusionPipeline.load(dir, 'm', { ...options, fastDecode: true })).rejects.toSatisfy(
        (error: unknown) => isPipelineError(error, 'invalid_params') && /taesdDir/.test(error.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(partial, { recursive: true, force: true });
    }
  });
});
