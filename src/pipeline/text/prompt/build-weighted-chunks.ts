// Long prompts, as A1111 handles them: the weighted tokens are cut into chunks of 75, each framed
// as BOS + tokens + EOS + padding, encoded separately and concatenated by the caller. A chunk that
// would end mid-phrase is cut after the last comma when one is within the last 20 tokens, and
// BREAK always ends the current chunk.
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.js';
import { parsePromptWeights } from './parse-prompt-weights.js';

export type ChunkTokenizer = Pick<ClipTokenizer, 'tokenize' | 'withSpecialTokens' | 'maxLength'>;

export interface WeightedChunk {
  /** `maxLength` (77) ids: BOS, up to `chunkLength` tokens, EOS, padding. */
  readonly inputIds: number[];
  /** One weight per id; BOS, EOS and padding weigh 1. */
  readonly weights: number[];
}

export interface WeightedChunks {
  readonly chunks: WeightedChunk[];
  /** Words, as parsed from the prompt, that fell past the last allowed chunk. */
  readonly truncatedWords: string[];
}

export interface ChunkOptions {
  /** Tokens per chunk, BOS and EOS not counted (A1111: 75). */
  readonly chunkLength?: number;
  /** Chunks kept; later tokens are dropped and reported (3 = 225 tokens). */
  readonly maxChunks?: number;
  /** Look this many tokens back for a comma to cut at; 0 cuts at exactly `chunkLength`. */
  readonly commaBacktrack?: number;
}

export const DEFAULT_CHUNK_LENGTH = 75;
export const DEFAULT_MAX_CHUNKS = 3;
/** A1111's `comma_padding_backtrack` default. */
export const DEFAULT_COMMA_BACKTRACK = 20;
const NO_COMMA = -1;

interface PendingToken {
  readonly id: number;
  readonly weight: number;
  /** The word the token came from, as `segment index:word index`, plus its text. */
  readonly wordKey: string;
  readonly word: string;
}

function requireInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}–${max}, got ${value}`);
  }
  return value;
}

function frame(tokenizer: ChunkTokenizer, tokens: readonly PendingToken[]): WeightedChunk {
  const inputIds = tokenizer.withSpecialTokens(tokens.map((token) => token.id));
  const weights = inputIds.map(() => 1);
  tokens.forEach((token, index) => {
    weights[index + 1] = token.weight; // +1 skips BOS
  });
  return { inputIds, weights };
}

function uniqueWords(tokens: readonly PendingToken[]): string[] {
  const words: string[] = [];
  let lastKey: string | undefined;
  for (const token of tokens) {
    if (token.wordKey !== lastKey) words.push(token.word);
    lastKey = token.wordKey;
  }
  return words;
}

export function buildWeightedChunks(tokenizer: ChunkTokenizer, text: string, options: ChunkOptions = {}): WeightedChunks {
  const chunkLength = requireInteger('chunkLength', options.chunkLength ?? DEFAULT_CHUNK_LENGTH, 1, tokenizer.maxLength - 2);
  const maxChunks = requireInteger('maxChunks', options.maxChunks ?? DEFAULT_MAX_CHUNKS, 1, Number.MAX_SAFE_INTEGER);
  const backtrack = requireInteger('commaBacktrack', options.commaBacktrack ?? DEFAULT_COMMA_BACKTRACK, 0, chunkLength);
  const commaIds = tokenizer.tokenize(',').ids;
  const commaId = commaIds.length === 1 ? commaIds[0] : undefined;

  const chunks: PendingToken[][] = [];
  let current: PendingToken[] = [];
  let lastComma = NO_COMMA;
  const closeChunk = (): void => {
    chunks.push(current);
    current = [];
    lastComma = NO_COMMA;
  };

  parsePromptWeights(text).forEach((segment, segmentIndex) => {
    if (segment.isBreak === true) {
      closeChunk();
      return;
    }
    const { ids, wordIndices, words } = tokenizer.tokenize(segment.text);
    ids.forEach((id, tokenIndex) => {
      const wordIndex = wordIndices[tokenIndex] ?? 0;
      const token = { id, weight: segment.weight, wordKey: `${segmentIndex}:${wordIndex}`, word: words[wordIndex] ?? '' };
      if (id === commaId) {
        lastComma = current.length;
      } else if (current.length === chunkLength && lastComma !== NO_COMMA && current.length - lastComma <= backtrack) {
        // Move the words after the comma into the next chunk so the phrase stays together.
        const moved = current.splice(lastComma + 1);
        closeChunk();
        current = moved;
      }
      if (current.length === chunkLength) closeChunk();
      current.push(token);
    });
  });
  if (current.length > 0 || chunks.length === 0) closeChunk();

  return {
    chunks: chunks.slice(0, maxChunks).map((tokens) => frame(tokenizer, tokens)),
    truncatedWords: uniqueWords(chunks.slice(maxChunks).flat()),
  };
}
