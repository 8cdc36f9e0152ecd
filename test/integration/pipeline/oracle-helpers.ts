// Shared set-up for pipeline tests on oracle models: write a folder, load it, and compute the
// colour the oracle's closed form says the image must have.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { StableDiffusionPipeline, type PipelineOptions } from '../../../src/pipeline/stable-diffusion.js';
import { ClipTokenizer } from '../../../src/pipeline/tokenizer/clip-tokenizer.js';
import { ORACLE_DEFAULT_SCALING_FACTOR, oracleColour, oracleGuidedX0, oracleX0, writeOracleModel, type OracleVariant } from '../../fixtures/oracle/index.js';

export interface OracleModel {
  readonly dir: string;
  readonly variant: OracleVariant;
  readonly pipeline: StableDiffusionPipeline;
  readonly tokenizer: ClipTokenizer;
  /** The flat colour the closed form predicts, 0–255 floats. */
  expectedColour(prompt: string, negativePrompt: string, guidanceScale: number): [number, number, number];
  /** The latent x0 the closed form says every sampler must reach. */
  expectedLatent(prompt: string, negativePrompt: string, guidanceScale: number): [number, number, number, number];
  /** The colour the oracle VAE decodes one latent pixel to. */
  colourOf(latent: readonly number[]): [number, number, number];
  dispose(): Promise<void>;
}

export async function openOracleModel(variant: OracleVariant = {}, options: Partial<PipelineOptions> = {}, name = 'oracle'): Promise<OracleModel> {
  const dir = await mkdtemp(join(tmpdir(), 'imagine-oracle-'));
  await writeOracleModel(dir, variant);
  const pipeline = await StableDiffusionPipeline.load(dir, name, {
    provider: 'cpu',
    allowCpuFallback: false,
    previewEvery: 0,
    safetyChecker: true,
    threads: 1,
    ...options,
  });
  const tokenizer = await ClipTokenizer.fromFolder(join(dir, 'tokenizer'));
  const model: OracleModel = {
    dir,
    variant,
    pipeline,
    tokenizer,
    expectedLatent(prompt, negativePrompt, guidanceScale) {
      const cond = tokenizer.encode(prompt).inputIds;
      return guidanceScale > 1 ? oracleGuidedX0(variant, cond, tokenizer.encode(negativePrompt).inputIds, guidanceScale) : oracleX0(variant, cond);
    },
    colourOf(latent) {
      return oracleColour(variant, latent, variant.scalingFactor ?? ORACLE_DEFAULT_SCALING_FACTOR);
    },
    expectedColour(prompt, negativePrompt, guidanceScale) {
      return model.colourOf(model.expectedLatent(prompt, negativePrompt, guidanceScale));
    },
    async dispose() {
      await pipeline.release();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return model;
}

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Buffer;
}

export async function decodePng(png: Uint8Array): Promise<DecodedImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: data };
}

/** Largest distance of any pixel channel from `colour`. */
export function maxColourError(image: DecodedImage, colour: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < image.pixels.length; i++) worst = Math.max(worst, Math.abs(image.pixels[i]! - colour[i % 3]!));
  return worst;
}

