import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeightedChunks, type ChunkOptions } from '../../../../src/pipeline/text/prompt/build-weighted-chunks.js';
import { ClipTokenizer } from '../../../../src/pipeline/text/tokenizer/clip-tokenizer.js';

const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/clip-tokenizer/', import.meta.url));
const BOS = 49406;
const EOS = 49407;
const LENGTH = 77;
const A = 320; // a</w>
const B = 321; // b</w>
const COMMA = 267; // ,</w>
const CAT = 2368;
const DOG = 1929;

let tokenizer: ClipTokenizer;
beforeAll(async () => {
  tokenizer = await ClipTokenizer.fromFolder(FIXTURE_DIR);
});

const words = (word: string, count: number): string => Array<string>(count).fill(word).join(' ');
const ids = (id: number, count: number): number[] => Array<number>(count).fill(id);

/** The token ids of each chunk, without BOS, EOS and padding. */
function chunkTokens(text: string, options?: ChunkOptions): number[][] {
  return buildWeightedChunks(tokenizer, text, options).chunks.map(({ inputIds }) => {
    expect(inputIds).toHaveLength(LENGTH);
    expect(inputIds[0]).toBe(BOS);
    const end = inputIds.indexOf(EOS, 1);
    expect(inputIds.slice(end)).toEqual(ids(EOS, LENGTH - end));
    return inputIds.slice(1, end);
  });
}

describe('buildWeightedChunks', () => {
  it('puts each token\'s weight beside it and weighs BOS, EOS and padding 1', () => {
    const { chunks, truncatedWords } = buildWeightedChunks(tokenizer, 'a (cat:1.5) [dog]');
    expect(truncatedWords).toEqual([]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.inputIds.slice(0, 5)).toEqual([BOS, A, CAT, DOG, EOS]);
    expect(chunks[0]?.weights).toEqual([1, 1, 1.5, 1 / 1.1, ...ids(1, LENGTH - 4)]);
  });

  it('gives the empty prompt one chunk of BOS, EOS and padding', () => {
    const { chunks } = buildWeightedChunks(tokenizer, '');
    expect(chunks).toEqual([{ inputIds: [BOS, ...ids(EOS, LENGTH - 1)], weights: ids(1, LENGTH) }]);
  });

  it.each<[string, string, ChunkOptions, number[][]]>([
    ['75 tokens fit in one chunk', words('a', 75), {}, [ids(A, 75)]],
    ['a plain split at 75 tokens', words('a', 80), { commaBacktrack: 0 }, [ids(A, 75), ids(A, 5)]],
    [
      'a comma within the last 20 tokens moves the rest of the phrase to the next chunk',
      `${words('a', 70)}, ${words('b', 10)}`,
      {},
      [[...ids(A, 70), COMMA], ids(B, 10)],
    ],
    [
      'without comma backtracking the phrase is cut at 75',
      `${words('a', 70)}, ${words('b', 10)}`,
      { commaBacktrack: 0 },
      [[...ids(A, 70), COMMA, ...ids(B, 4)], ids(B, 6)],
    ],
    [
      'a comma further back than the limit is ignored',
      `${words('a', 30)}, ${words('b', 50)}`,
      {},
      [[...ids(A, 30), COMMA, ...ids(B, 44)], ids(B, 6)],
    ],
    ['a smaller chunk length', words('a', 5), { chunkLength: 2, commaBacktrack: 0 }, [ids(A, 2), ids(A, 2), ids(A, 1)]],
    ['BREAK starts a new chunk', 'a BREAK b', {}, [[A], [B]]],
  ])('%s', (_name, text, options, expected) => {
    expect(chunkTokens(text, options)).toEqual(expected);
  });

  it('keeps weights across chunk boundaries', () => {
    const { chunks } = buildWeightedChunks(tokenizer, `(${words('a', 80)}:1.5)`, { commaBacktrack: 0 });
    expect(chunks.map((chunk) => chunk.weights)).toEqual([
      [1, ...Array<number>(75).fill(1.5), 1],
      [1, ...Array<number>(5).fill(1.5), ...ids(1, LENGTH - 6)],
    ]);
  });

  it.each<[string, string, ChunkOptions, number, string[]]>([
    ['225 tokens fit in the default 3 chunks', words('a', 225), {}, 3, []],
    ['tokens past 3 chunks are reported', words('a', 228), {}, 3, ['a', 'a', 'a']],
    ['words past the last chunk are reported as typed', `${words('a', 74)} Red, Blue GREEN`, { maxChunks: 1 }, 1, ['Red,', 'Blue', 'GREEN']],
    ['weighted words are reported without the syntax', `${words('a', 75)} (Blue:1.2) [dog]`, { maxChunks: 1 }, 1, ['Blue', 'dog']],
  ])('%s', (_name, text, options, chunkCount, truncated) => {
    const { chunks, truncatedWords } = buildWeightedChunks(tokenizer, text, options);
    expect(chunks).toHaveLength(chunkCount);
    expect(truncatedWords).toEqual(truncated);
  });

  it.each<[string, ChunkOptions]>([
    ['a chunk longer than the window', { chunkLength: 76 }],
    ['no chunks', { maxChunks: 0 }],
    ['a fractional backtrack', { commaBacktrack: 1.5 }],
  ])('rejects %s', (_name, options) => {
    expect(() => buildWeightedChunks(tokenizer, 'a', options)).toThrow(RangeError);
  });
});
