// Shared set-up for pipeline tests on oracle models: write a folder, load it, and compute the
// colour the oracle's closed form says the image must have.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { StableDiffusionPipeline, type PipelineOptions } from '../../../src/pipeline/sd/stable-diffusion.js';
import { ClipTokenizer } from '../../../src/pipeline/text/tokenizer/clip-tokenizer.js';
import {
  effectiveScalingFactor,
  oracleColour,
  oracleLcmX0,
  oracleSdxlConditioning,
  oracleSdxlTimeIds,
  oracleSdxlX0,
  oracleSdxlZeros,
  oracleX0,
  writeOracleModel,
  type Latent,
  type OracleVariant,
} from '../../fixtures/oracle/index.js';

export interface ExpectationOptions {
  /** A1111 CLIP skip (SD variants with textLayers). */
  readonly clipSkip?: number;
  /** SDXL's time_ids depend on the size. */
  readonly width?: number;
  readonly height?: number;
}

export interface OracleModel {
  readonly dir: string;
  readonly variant: OracleVariant;
  readonly pipeline: StableDiffusionPipeline;
  readonly tokenizer: ClipTokenizer;
  /** The flat colour the closed form predicts, 0–255 floats. */
  expectedColour(prompt: string, negativePrompt: string, guidanceScale: number, options?: ExpectationOptions): [number, number, number];
  /** The latent x0 the closed form says every sampler must reach. */
  expectedLatent(prompt: string, negativePrompt: string, guidanceScale: number, options?: ExpectationOptions): Latent;
  /** The colour the oracle VAE decodes one latent pixel to. */
  colourOf(latent: readonly number[]): [number, number, number];
  dispose(): Promise<void>;
}

const DEFAULT_SIZE = 64;
const TOKENS = 77;

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
  const tokenizer2 = variant.sdxl === true ? await ClipTokenizer.fromFolder(join(dir, 'tokenizer_2')) : undefined;

  const sdxlLatent = (prompt: string, negativePrompt: string, guidanceScale: number, options: ExpectationOptions): Latent => {
    const encode = (text: string) => oracleSdxlConditioning(variant, tokenizer.encode(text).inputIds, tokenizer2!.encode(text).inputIds);
    const timeIds = oracleSdxlTimeIds(options.width ?? DEFAULT_SIZE, options.height ?? DEFAULT_SIZE);
    const cond = oracleSdxlX0(variant, encode(prompt), timeIds);
    if (guidanceScale <= 1) return cond;
    const zeros = negativePrompt.trim() === '' && variant.forceZerosForEmptyPrompt !== false;
    const uncond = oracleSdxlX0(variant, zeros ? oracleSdxlZeros(variant, TOKENS) : encode(negativePrompt), timeIds);
    return uncond.map((u, c) => u + guidanceScale * (cond[c]! - u)) as Latent;
  };

  const model: OracleModel = {
    dir,
    variant,
    pipeline,
    tokenizer,
    expectedLatent(prompt, negativePrompt, guidanceScale, options = {}) {
      if (variant.sdxl === true) return sdxlLatent(prompt, negativePrompt, guidanceScale, options);
      const cond = tokenizer.encode(prompt).inputIds;
      // LCM never doubles the batch: guidance reaches the UNet through timestep_cond.
      if (variant.timestepCondSize !== undefined) return oracleLcmX0(variant, cond, guidanceScale);
      const positive = oracleX0(variant, cond, options.clipSkip);
      if (guidanceScale <= 1) return positive;
      const uncond = oracleX0(variant, tokenizer.encode(negativePrompt).inputIds, options.clipSkip);
      return uncond.map((u, c) => u + guidanceScale * (positive[c]! - u)) as Latent;
    },
    colourOf(latent) {
      return oracleColour(variant, latent, effectiveScalingFactor(variant));
    },
    expectedColour(prompt, negativePrompt, guidanceScale, options = {}) {
      return model.colourOf(model.expectedLatent(prompt, negativePrompt, guidanceScale, options));
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

/** Largest channel difference between two colours. */
export function colourSpread(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, k) => Math.abs(v - (b[k] ?? Number.NaN))));
}
