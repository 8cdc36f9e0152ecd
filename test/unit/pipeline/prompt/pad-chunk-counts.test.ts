import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeightedChunks, type WeightedChunk } from '../../../../src/pipeline/text/prompt/build-weighted-chunks.js';
import { padChunkCounts } from '../../../../src/pipeline/text/prompt/pad-chunk-counts.js';
import { ClipTokenizer } from '../../../../src/pipeline/text/tokenizer/clip-tokenizer.js';

const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/clip-tokenizer/', import.meta.url));
const LENGTH = 77;
const BOS = 49406;
const EOS = 49407;
const BANG = 0;

let tokenizer: ClipTokenizer;
/** SDXL's second tokenizer: the same vocab, padded with "!". */
let bangTokenizer: ClipTokenizer;
let bangDir: string;
beforeAll(async () => {
  tokenizer = await ClipTokenizer.fromFolder(FIXTURE_DIR);
  bangDir = await mkdtemp(join(tmpdir(), 'clip-tokenizer-2-'));
  for (const name of ['vocab.json', 'merges.txt']) await copyFile(join(FIXTURE_DIR, name), join(bangDir, name));
  await writeFile(join(bangDir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '!' }));
  bangTokenizer = await ClipTokenizer.fromFolder(bangDir);
});
afterAll(async () => {
  await rm(bangDir, { recursive: true, force: true });
});

const chunksOf = (text: string): WeightedChunk[] => buildWeightedChunks(tokenizer, text).chunks;
const long = (count: number): string => Array<string>(count).fill('a').join(' ');

describe('padChunkCounts', () => {
  it.each([
    ['a long prompt pads the negative prompt', long(160), 'blurry', 3, 3],
    ['a long negative prompt pads the prompt', 'a cat', long(100), 2, 2],
    ['equal counts stay as they are', 'a cat', 'blurry', 1, 1],
  ])('%s', (_name, prompt, negative, positiveCount, negativeCount) => {
    const positive = chunksOf(prompt);
    const negativeChunks = chunksOf(negative);
    const padded = padChunkCounts(tokenizer, positive, negativeChunks);
    expect([padded.positive.length, padded.negative.length]).toEqual([positiveCount, negativeCount]);
    // The originals come first, then chunks of the empty prompt.
    const empty = chunksOf('')[0];
    expect(padded.positive).toEqual([...positive, ...Array<WeightedChunk | undefined>(positiveCount - positive.length).fill(empty)]);
    expect(padded.negative).toEqual([
      ...negativeChunks,
      ...Array<WeightedChunk | undefined>(negativeCount - negativeChunks.length).fill(empty),
    ]);
  });

  it('fills with the tokenizer\'s own padding ("!" for SDXL\'s second tokenizer)', () => {
    const positive = buildWeightedChunks(bangTokenizer, long(80)).chunks;
    const padded = padChunkCounts(bangTokenizer, positive, []);
    const empty = { inputIds: [BOS, EOS, ...Array<number>(LENGTH - 2).fill(BANG)], weights: Array<number>(LENGTH).fill(1) };
    expect(padded.negative).toEqual([empty, empty]);
  });
});
