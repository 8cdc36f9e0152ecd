// Classifier-free guidance batches the prompt and the negative prompt together, so both must have
// the same number of 77-token chunks. Like A1111, the shorter list is filled with chunks of the
// empty prompt (BOS, EOS, padding), whose weights are all 1.
import type { ChunkTokenizer, WeightedChunk } from './build-weighted-chunks.js';

export interface PaddedChunks {
  readonly positive: WeightedChunk[];
  readonly negative: WeightedChunk[];
}

/** The chunk of the empty prompt. */
export function emptyChunk(tokenizer: Pick<ChunkTokenizer, 'withSpecialTokens'>): WeightedChunk {
  const inputIds = tokenizer.withSpecialTokens([]);
  return { inputIds, weights: inputIds.map(() => 1) };
}

/** `chunks` followed by copies of `filler` up to `count` chunks. */
export function padTo(chunks: readonly WeightedChunk[], count: number, filler: WeightedChunk): WeightedChunk[] {
  const padded = [...chunks];
  while (padded.length < count) padded.push({ inputIds: [...filler.inputIds], weights: [...filler.weights] });
  return padded;
}

export function padChunkCounts(
  tokenizer: Pick<ChunkTokenizer, 'withSpecialTokens'>,
  positive: readonly WeightedChunk[],
  negative: readonly WeightedChunk[],
): PaddedChunks {
  const count = Math.max(positive.length, negative.length);
  const filler = emptyChunk(tokenizer);
  return { positive: padTo(positive, count, filler), negative: padTo(negative, count, filler) };
}
