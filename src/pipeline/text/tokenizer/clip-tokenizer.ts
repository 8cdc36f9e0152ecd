// CLIP's BPE tokenizer, read from a model folder's vocab.json + merges.txt (+ configs), giving the
// same ids as Hugging Face's CLIPTokenizer for Stable Diffusion's text encoders.
import { PipelineError } from '../../errors.js';
import { bpe } from './bpe.js';
import { byteLevelSymbols } from './byte-encoder.js';
import { cleanText } from './clean-text.js';
import { preTokenize } from './pre-tokenize.js';
import {
  CLIP_BOS_TOKEN,
  CLIP_EOS_TOKEN,
  VOCAB_FILE,
  readTokenizerFiles,
  type SpecialToken,
  type TokenizerFiles,
} from './tokenizer-files.js';

const END_OF_WORD = '</w>';
/** Special tokens typed into a prompt stay whole, as the split regex keeps them whole. */
const SPECIAL_PIECES: ReadonlySet<string> = new Set([CLIP_BOS_TOKEN, CLIP_EOS_TOKEN]);
/** The piece cache is dropped when it grows past this, so a long-running bot stays bounded. */
const MAX_CACHED_PIECES = 20_000;
/** BOS and EOS around the text. */
const FRAME_TOKENS = 2;

export interface TokenizedText {
  /** Token ids, without BOS, EOS or padding. */
  readonly ids: readonly number[];
  /** For each id, the index in `words` of the word it came from (non-decreasing). */
  readonly wordIndices: readonly number[];
  /** The cleaned text's whitespace-separated words, as typed (case kept). */
  readonly words: readonly string[];
}

export interface EncodedText {
  /** Exactly `maxLength` ids: BOS, the tokens that fit, EOS, padding. */
  readonly inputIds: number[];
  /** Words, as typed, that did not fit completely; empty when nothing was cut. */
  readonly truncatedWords: string[];
}

function idOf(files: TokenizerFiles, token: SpecialToken, dir: string): number {
  const id = files.vocab.get(token.content);
  if (id === undefined) {
    const where = token.source ?? `${dir} (CLIP default)`;
    throw new PipelineError(
      'invalid_model_folder',
      `tokenizer file ${where}: special token ${JSON.stringify(token.content)} is not in ${VOCAB_FILE}`,
    );
  }
  return id;
}

export class ClipTokenizer {
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly unkTokenId: number;
  /** The text encoder's window, BOS and EOS included (77 for CLIP). */
  readonly maxLength: number;
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly ranks: ReadonlyMap<string, number>;
  private readonly lowerCase: boolean;
  private readonly cache = new Map<string, readonly number[]>();

  private constructor(files: TokenizerFiles, dir: string) {
    this.vocab = files.vocab;
    this.ranks = files.ranks;
    this.lowerCase = files.lowerCase;
    this.maxLength = files.maxLength;
    this.bosTokenId = idOf(files, files.specialTokens.bos, dir);
    this.eosTokenId = idOf(files, files.specialTokens.eos, dir);
    this.padTokenId = idOf(files, files.specialTokens.pad, dir);
    this.unkTokenId = idOf(files, files.specialTokens.unk, dir);
  }

  /** Loads `dir`/vocab.json, merges.txt and, when present, tokenizer_config.json and special_tokens_map.json. */
  static async fromFolder(dir: string): Promise<ClipTokenizer> {
    return new ClipTokenizer(await readTokenizerFiles(dir), dir);
  }

  tokenize(text: string): TokenizedText {
    const words = cleanText(text).split(' ').filter((word) => word !== '');
    const ids: number[] = [];
    const wordIndices: number[] = [];
    words.forEach((word, wordIndex) => {
      const normalized = this.lowerCase ? word.toLowerCase() : word;
      for (const piece of preTokenize(normalized)) {
        for (const id of this.encodePiece(piece)) {
          ids.push(id);
          wordIndices.push(wordIndex);
        }
      }
    });
    return { ids, wordIndices, words };
  }

  /** BOS + the first 75 tokens + EOS + padding, and the words that did not fit. */
  encode(text: string): EncodedText {
    const { ids, wordIndices, words } = this.tokenize(text);
    const capacity = this.maxLength - FRAME_TOKENS;
    const firstDroppedWord = wordIndices[capacity];
    return {
      inputIds: this.withSpecialTokens(ids.slice(0, capacity)),
      truncatedWords: firstDroppedWord === undefined ? [] : words.slice(firstDroppedWord),
    };
  }

  /** Frames at most `maxLength - 2` token ids as BOS, ids, EOS, then padding up to `maxLength`. */
  withSpecialTokens(ids: readonly number[]): number[] {
    if (ids.length > this.maxLength - FRAME_TOKENS) {
      throw new RangeError(`${ids.length} tokens do not fit in a window of ${this.maxLength} with BOS and EOS`);
    }
    const framed = [this.bosTokenId, ...ids, this.eosTokenId];
    while (framed.length < this.maxLength) framed.push(this.padTokenId);
    return framed;
  }

  private encodePiece(piece: string): readonly number[] {
    const cached = this.cache.get(piece);
    if (cached !== undefined) return cached;

    let ids: number[];
    if (SPECIAL_PIECES.has(piece)) {
      ids = [this.vocab.get(piece) ?? this.unkTokenId];
    } else {
      const symbols = byteLevelSymbols(piece);
      symbols[symbols.length - 1] += END_OF_WORD;
      // A token missing from the vocab becomes unk on its own, as in transformers' CLIPTokenizer.
      ids = bpe(symbols, this.ranks).map((token) => this.vocab.get(token) ?? this.unkTokenId);
    }

    if (this.cache.size >= MAX_CACHED_PIECES) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }
}
