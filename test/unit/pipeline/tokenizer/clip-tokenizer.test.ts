import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../../../src/pipeline/errors.js';
import { ClipTokenizer } from '../../../../src/pipeline/text/tokenizer/clip-tokenizer.js';

const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/clip-tokenizer/', import.meta.url));
const BOS = 49406;
const EOS = 49407;
const BANG = 0;
const LENGTH = 77;

/** BOS, ids, EOS, then `pad` up to 77. */
function framed(ids: readonly number[], pad = EOS): number[] {
  return [BOS, ...ids, EOS, ...Array<number>(LENGTH - ids.length - 2).fill(pad)];
}

let tokenizer: ClipTokenizer;
const tempDirs: string[] = [];

/** A tokenizer folder with the real vocab and the given extra files. */
async function folderWith(files: Record<string, string>, copy = ['vocab.json', 'merges.txt']): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clip-tokenizer-'));
  tempDirs.push(dir);
  for (const name of copy) await copyFile(join(FIXTURE_DIR, name), join(dir, name));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function loadError(dir: string): Promise<Error> {
  const error: unknown = await ClipTokenizer.fromFolder(dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected the folder to be rejected');
  return error;
}

beforeAll(async () => {
  tokenizer = await ClipTokenizer.fromFolder(FIXTURE_DIR);
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('ClipTokenizer with the real CLIP vocab', () => {
  it('reads the special tokens and the window from the folder', () => {
    expect({
      bos: tokenizer.bosTokenId,
      eos: tokenizer.eosTokenId,
      pad: tokenizer.padTokenId,
      maxLength: tokenizer.maxLength,
    }).toEqual({ bos: BOS, eos: EOS, pad: EOS, maxLength: LENGTH });
  });

  // Ids cross-checked against Hugging Face's tokenizers.js configured as CLIPTokenizerFast.
  it.each([
    ['the DESIGN.md example', 'a photo of a cat', [320, 1125, 539, 320, 2368]],
    ['the DESIGN.md long example', 'a cute magical flying ghost dog, fantasy art', [320, 2242, 7823, 4610, 7108, 1929, 267, 5267, 794]],
    ['punctuation runs', '!!!???...---', [11194, 40017, 3002, 11079]],
    ['symbols between letters', 'a_b-c/d', [320, 318, 321, 268, 322, 270, 323]],
    ['each digit on its own', '1024', [272, 271, 273, 275]],
    ['digits next to letters', '8k uhd', [279, 330, 84, 4414]],
    ['contraction \'s', "it's", [585, 568]],
    ['contraction \'t', "don't", [847, 713]],
    ['contractions in a sentence', "It's a DOG's life, isn't it? we'll see; they'd go", [585, 568, 320, 1929, 568, 970, 267, 2923, 713, 585, 286, 649, 1342, 862, 282, 889, 1896, 861]],
    ['accented letters (byte-level)', 'café', [15304]],
    ['Greek with final sigma', 'Ζεύς ΟΔΟΣ', [138, 114, 138, 113, 139, 235, 139, 480, 138, 123, 138, 112, 138, 123, 139, 480]],
    ['CJK, Hangul, Cyrillic', '猫が好き 고양이 кошка', [163, 234, 104, 4813, 234, 29290, 121, 4813, 491, 36216, 254, 31625, 239, 34746, 27152, 13506, 141, 230, 27152, 27080]],
    ['one emoji', '🐱', [22979]],
    ['emoji run, ZWJ sequence, skin tone', '🐱🐶 dog 🏳️‍🌈 flag 👍🏽', [35710, 10631, 1929, 32610, 4859, 43722]],
    ['upper case is lowered', 'HELLO World', [3306, 1002]],
    ['extra whitespace is collapsed', '  lots   of\t\nspace  ', [2958, 539, 2138]],
    ['combining accent is NFC-composed', 'e\u0301cole', [3459, 8166]],
    ['HTML entities are decoded', 'salt &amp; pepper', [6611, 261, 8253]],
    ['a typed end-of-text token stays whole', 'x <|endoftext|> y', [343, EOS, 344]],
    ['a long word splits into sub-words', 'supercalifragilisticexpialidocious', [1642, 2857, 13093, 2076, 5868, 26850, 835, 639, 38466]],
  ])('%s: %j', (_name, text, ids) => {
    expect(tokenizer.encode(text)).toEqual({ inputIds: framed(ids), truncatedWords: [] });
  });

  it('encodes the empty prompt as BOS, EOS and padding', () => {
    expect(tokenizer.encode('').inputIds).toEqual(framed([]));
    expect(tokenizer.encode('   ').inputIds).toEqual(framed([]));
  });

  it('maps each token to the word it came from, as typed', () => {
    expect(tokenizer.tokenize('Red, Blue  GREEN')).toEqual({
      ids: [736, 267, 1746, 1901],
      wordIndices: [0, 0, 1, 2],
      words: ['Red,', 'Blue', 'GREEN'],
    });
  });

  it('gives the same ids the second time (piece cache)', () => {
    const text = 'a cute magical flying ghost dog, fantasy art';
    expect(tokenizer.tokenize(text).ids).toEqual(tokenizer.tokenize(text).ids);
  });
});

describe('ClipTokenizer truncation', () => {
  const A = 320;
  const RED = 736;
  const as = (count: number): string => Array<string>(count).fill('a').join(' ');
  const aIds = (count: number): number[] => Array<number>(count).fill(A);

  it.each([
    ['exactly 75 tokens fit', as(75), aIds(75), []],
    ['a word cut in two is reported whole', `${as(74)} Red, Blue GREEN`, [...aIds(74), RED], ['Red,', 'Blue', 'GREEN']],
    ['whole words past the window are reported as typed', `${as(75)} Blue  GREEN`, aIds(75), ['Blue', 'GREEN']],
  ])('%s', (_name, text, kept, dropped) => {
    const encoded = tokenizer.encode(text);
    expect(encoded.inputIds).toEqual(framed(kept));
    expect(encoded.truncatedWords).toEqual(dropped);
  });
});

describe('ClipTokenizer configuration', () => {
  it('pads with "!" (id 0) when the config says so, as SDXL\'s second tokenizer does', async () => {
    const dir = await folderWith({
      'tokenizer_config.json': JSON.stringify({
        bos_token: { content: '<|startoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
        eos_token: { content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
        pad_token: '!',
        model_max_length: 77,
        do_lower_case: true,
      }),
    });
    const bangPadded = await ClipTokenizer.fromFolder(dir);
    expect(bangPadded.padTokenId).toBe(BANG);
    expect(bangPadded.encode('a photo of a cat').inputIds).toEqual(framed([320, 1125, 539, 320, 2368], BANG));
  });

  it('lets special_tokens_map.json override tokenizer_config.json, like transformers', async () => {
    const dir = await folderWith({
      'tokenizer_config.json': JSON.stringify({ pad_token: '<|endoftext|>' }),
      'special_tokens_map.json': JSON.stringify({ pad_token: { content: '!' } }),
    });
    expect((await ClipTokenizer.fromFolder(dir)).padTokenId).toBe(BANG);
  });

  it('falls back to CLIP defaults without config files, and treats transformers\' "no limit" as 77', async () => {
    const bare = await ClipTokenizer.fromFolder(await folderWith({}));
    expect([bare.bosTokenId, bare.eosTokenId, bare.padTokenId, bare.maxLength]).toEqual([BOS, EOS, EOS, LENGTH]);
    const unlimited = await folderWith({ 'tokenizer_config.json': '{"model_max_length": 1000000000000000019884624838656}' });
    expect((await ClipTokenizer.fromFolder(unlimited)).maxLength).toBe(LENGTH);
  });

  it('keeps case when do_lower_case is false', async () => {
    const dir = await folderWith({ 'tokenizer_config.json': '{"do_lower_case": false}' });
    const cased = await ClipTokenizer.fromFolder(dir);
    expect(cased.tokenize('Cat').ids).not.toEqual(tokenizer.tokenize('Cat').ids);
  });

  it.each([
    ['vocab.json is missing', {}, ['merges.txt'], 'vocab.json', 'missing'],
    ['merges.txt is missing', {}, ['vocab.json'], 'merges.txt', 'missing'],
    ['vocab.json is not JSON', { 'vocab.json': '{"a": 1' }, ['merges.txt'], 'vocab.json', 'not valid JSON'],
    ['vocab.json has a bad id', { 'vocab.json': '{"a</w>": "one"}' }, ['merges.txt'], 'vocab.json', '"a</w>"'],
    ['merges.txt has a bad line', { 'merges.txt': '#version: 0.2\ni n\nthree part line\n' }, ['vocab.json'], 'merges.txt', 'line 3'],
    ['tokenizer_config.json is not JSON', { 'tokenizer_config.json': 'nope' }, undefined, 'tokenizer_config.json', 'not valid JSON'],
    ['tokenizer_config.json has a bad field', { 'tokenizer_config.json': '{"pad_token": 5}' }, undefined, 'tokenizer_config.json', 'pad_token'],
    ['the pad token is not in the vocab', { 'tokenizer_config.json': '{"pad_token": "<pad>"}' }, undefined, 'tokenizer_config.json', '"<pad>"'],
    ['model_max_length is too small', { 'tokenizer_config.json': '{"model_max_length": 1}' }, undefined, 'tokenizer_config.json', 'model_max_length'],
  ])('names the file when %s', async (_name, files, copy, file, detail) => {
    const error = await loadError(await folderWith(files, copy));
    expect(isPipelineError(error, 'invalid_model_folder')).toBe(true);
    expect(error.message).toContain(file);
    expect(error.message).toContain(detail);
  });
});
