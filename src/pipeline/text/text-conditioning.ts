// Prompt → the UNet's text conditioning, A1111-style: the prompt is parsed for weights, cut into
// 77-token chunks, and every chunk of the prompt and the negative prompt goes through each text
// encoder in ONE batched call. Each chunk's embeddings are weighted (mean restored), chunks are
// concatenated along the token axis, and SDXL's two encoders along the feature axis.
import { PipelineError } from '../errors.js';
import { ClipTextEncoder, type ConditioningFamily, type HiddenLayer } from './clip-text-encoder.js';
import type { OnnxModel } from '../onnx/onnx-model.js';
import { applyTokenWeights } from './prompt/apply-token-weights.js';
import { buildWeightedChunks, DEFAULT_MAX_CHUNKS, type ChunkOptions, type WeightedChunk } from './prompt/build-weighted-chunks.js';
import { emptyChunk, padTo } from './prompt/pad-chunk-counts.js';
import { CLIP_MAX_LENGTH } from '../model/model-signature.js';

export interface PooledConditioning {
  /** [pooledSize] for the prompt (SDXL `text_embeds`). */
  readonly cond: Float32Array;
  /** [pooledSize] for the negative prompt; undefined when guidance is off. */
  readonly uncond: Float32Array | undefined;
  readonly size: number;
}

export interface TextConditioning {
  /** [tokens, hiddenSize] for the prompt. */
  readonly cond: Float32Array;
  /** [tokens, hiddenSize] for the negative prompt; undefined when guidance is off. */
  readonly uncond: Float32Array | undefined;
  /** 77 × the number of chunks. */
  readonly tokens: number;
  readonly hiddenSize: number;
  readonly truncatedWords: readonly string[];
  /** SDXL only. */
  readonly pooled?: PooledConditioning;
}

export interface TextConditionerOptions {
  readonly family: ConditioningFamily;
  /** 1 when the UNet's encoder_hidden_states are fixed at 77 tokens. */
  readonly maxChunks?: number;
  /** SDXL's force_zeros_for_empty_prompt: an empty negative prompt conditions with zeros. */
  readonly zeroEmptyNegative?: boolean;
}

interface EncoderRows {
  readonly positive: WeightedChunk[];
  readonly negative: WeightedChunk[] | undefined;
  readonly truncatedWords: readonly string[];
}

export class TextConditioner {
  private readonly chunkOptions: ChunkOptions;

  constructor(
    private readonly encoders: readonly ClipTextEncoder[],
    private readonly options: TextConditionerOptions,
  ) {
    if (encoders.length === 0) throw new RangeError('TextConditioner needs at least one text encoder');
    const maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS;
    // One fixed window: cut at exactly 75 tokens, as plain truncation does, so nothing that fits is lost.
    this.chunkOptions = maxChunks === 1 ? { maxChunks, commaBacktrack: 0 } : { maxChunks };
  }

  /** The same conditioner on other sessions of the same encoders (e.g. with a LoRA applied). */
  withModels(models: readonly OnnxModel[]): TextConditioner {
    if (models.every((model, i) => model === this.encoders[i]?.model)) return this;
    return new TextConditioner(
      this.encoders.map((encoder, i) => new ClipTextEncoder(encoder.tokenizer, models[i] ?? encoder.model, encoder.signature)),
      this.options,
    );
  }

  async encode(prompt: string, negativePrompt: string, withGuidance: boolean, clipSkip?: number): Promise<TextConditioning> {
    const layers = this.layersFor(clipSkip);
    const zeroNegative = withGuidance && negativePrompt.trim() === '' && this.options.zeroEmptyNegative === true;
    const perEncoder = this.encoders.map((encoder) => this.chunksFor(encoder, prompt, withGuidance && !zeroNegative ? negativePrompt : undefined));
    const chunkCount = Math.max(...perEncoder.flatMap((rows) => [rows.positive.length, rows.negative?.length ?? 0]));
    const pooledEncoder = this.options.family === 'sdxl' ? this.encoders.length - 1 : undefined;

    const encoded = await Promise.all(
      this.encoders.map(async (encoder, e) => {
        const rows = perEncoder[e]!;
        const filler = emptyChunk(encoder.tokenizer);
        // Negative chunks first, then the prompt's: the UNet batch has the same order.
        const chunks = [...(rows.negative ? padTo(rows.negative, chunkCount, filler) : []), ...padTo(rows.positive, chunkCount, filler)];
        const out = await encoder.encode(chunks.map((chunk) => chunk.inputIds), layers[e]!, e === pooledEncoder);
        chunks.forEach((chunk, row) => {
          const size = CLIP_MAX_LENGTH * out.hiddenSize;
          applyTokenWeights(out.hidden.subarray(row * size, (row + 1) * size), chunk.weights, CLIP_MAX_LENGTH, out.hiddenSize);
        });
        return { ...out, negativeRows: rows.negative ? chunkCount : 0 };
      }),
    );

    const hiddenSize = encoded.reduce((sum, out) => sum + out.hiddenSize, 0);
    const tokens = chunkCount * CLIP_MAX_LENGTH;
    const cond = concatenate(encoded, (out) => out.negativeRows, chunkCount, hiddenSize);
    let uncond: Float32Array | undefined;
    if (withGuidance) uncond = zeroNegative ? new Float32Array(tokens * hiddenSize) : concatenate(encoded, () => 0, chunkCount, hiddenSize);

    const pooledOut = pooledEncoder === undefined ? undefined : encoded[pooledEncoder];
    let pooled: PooledConditioning | undefined;
    if (pooledOut?.pooled !== undefined && pooledOut.pooledSize !== undefined) {
      const size = pooledOut.pooledSize;
      // A1111 and diffusers pool the first chunk only.
      const row = (index: number): Float32Array => pooledOut.pooled!.slice(index * size, (index + 1) * size);
      pooled = {
        cond: row(pooledOut.negativeRows),
        uncond: withGuidance ? (zeroNegative ? new Float32Array(size) : row(0)) : undefined,
        size,
      };
    }
    return {
      cond,
      uncond,
      tokens,
      hiddenSize,
      truncatedWords: perEncoder[0]!.truncatedWords,
      ...(pooled ? { pooled } : {}),
    };
  }

  /** Describes which layer each encoder uses for `clipSkip`; throws the same errors `encode` would. */
  layersFor(clipSkip?: number): HiddenLayer[] {
    return this.encoders.map((encoder) => encoder.layerFor(this.options.family, clipSkip));
  }

  private chunksFor(encoder: ClipTextEncoder, prompt: string, negativePrompt: string | undefined): EncoderRows {
    const positive = buildWeightedChunks(encoder.tokenizer, prompt, this.chunkOptions);
    const negative = negativePrompt === undefined ? undefined : buildWeightedChunks(encoder.tokenizer, negativePrompt, this.chunkOptions);
    return { positive: positive.chunks, negative: negative?.chunks, truncatedWords: positive.truncatedWords };
  }
}

/**
 * [chunks·77, ΣH]: chunk c's token k takes encoder 1's features then encoder 2's. `firstRow` says
 * where the wanted rows start in each encoder's output.
 */
function concatenate(
  encoded: ReadonlyArray<{ readonly hidden: Float32Array; readonly hiddenSize: number; readonly negativeRows: number }>,
  firstRow: (out: { readonly negativeRows: number }) => number,
  chunkCount: number,
  hiddenSize: number,
): Float32Array {
  const tokens = chunkCount * CLIP_MAX_LENGTH;
  const out = new Float32Array(tokens * hiddenSize);
  let featureOffset = 0;
  for (const part of encoded) {
    const start = firstRow(part) * CLIP_MAX_LENGTH;
    for (let token = 0; token < tokens; token++) {
      const from = (start + token) * part.hiddenSize;
      out.set(part.hidden.subarray(from, from + part.hiddenSize), token * hiddenSize + featureOffset);
    }
    featureOffset += part.hiddenSize;
  }
  if (featureOffset !== hiddenSize) throw new PipelineError('invalid_model_folder', 'text encoder widths do not add up');
  return out;
}
