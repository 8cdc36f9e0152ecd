// Reads and validates a model folder's `tokenizer/` files. Every error names the file at fault.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../../errors.js';

export const VOCAB_FILE = 'vocab.json';
export const MERGES_FILE = 'merges.txt';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const SPECIAL_TOKENS_MAP_FILE = 'special_tokens_map.json';

export const CLIP_MAX_LENGTH = 77;
export const CLIP_BOS_TOKEN = '<|startoftext|>';
export const CLIP_EOS_TOKEN = '<|endoftext|>';
/** BOS + EOS: the smallest window that can hold anything. */
const MIN_MAX_LENGTH = 3;
const MERGES_HEADER = '#version';

export type SpecialTokenRole = 'bos' | 'eos' | 'pad' | 'unk';

export interface SpecialToken {
  readonly content: string;
  /** The file the token was read from, or undefined for CLIP's default. */
  readonly source: string | undefined;
}

export interface TokenizerFiles {
  readonly vocab: ReadonlyMap<string, number>;
  /** Merge rule (`mergeKey(left, right)`) → rank; lower ranks merge first. */
  readonly ranks: ReadonlyMap<string, number>;
  readonly specialTokens: Readonly<Record<SpecialTokenRole, SpecialToken>>;
  readonly maxLength: number;
  readonly lowerCase: boolean;
}

// Tokens are written either as plain strings or as AddedToken objects.
const tokenSchema = z.union([z.string(), z.object({ content: z.string() }), z.null()]).optional();
const specialTokensSchema = z.object({
  bos_token: tokenSchema,
  eos_token: tokenSchema,
  pad_token: tokenSchema,
  unk_token: tokenSchema,
});
const tokenizerConfigSchema = specialTokensSchema.extend({
  model_max_length: z.number().optional(),
  do_lower_case: z.boolean().optional(),
});
type SpecialTokensJson = z.infer<typeof specialTokensSchema>;

function invalid(path: string, reason: string): PipelineError {
  return new PipelineError('invalid_model_folder', `tokenizer file ${path}: ${reason}`);
}

async function readText(path: string, required: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && !required) return undefined;
    throw invalid(path, missing ? 'missing' : `cannot be read (${String(error)})`);
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(path, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function parseVocab(path: string, text: string): Map<string, number> {
  const json = parseJson(path, text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(path, 'expected an object of token → id');
  }
  const entries = json as Record<string, unknown>;
  const vocab = new Map<string, number>();
  // for…in rather than Object.entries: no pair arrays for ~50k entries, a noticeable part of load time.
  for (const token in entries) {
    const id = entries[token];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw invalid(path, `token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, expected a non-negative integer`);
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw invalid(path, 'is empty');
  return vocab;
}

function parseMerges(path: string, text: string): Map<string, number> {
  const ranks = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex] ?? '';
    if (line === '' || (lineIndex === 0 && line.startsWith(MERGES_HEADER))) continue;
    const space = line.indexOf(' ');
    if (space <= 0 || space === line.length - 1 || line.indexOf(' ', space + 1) !== -1) {
      throw invalid(path, `line ${lineIndex + 1} should be two symbols separated by one space, got ${JSON.stringify(line)}`);
    }
    // A valid line is already its merge key (`mergeKey(left, right)`). The line number is the
    // rank; a pair listed twice keeps its later rank, as transformers' dict of ranks does.
    ranks.set(line, lineIndex);
  }
  if (ranks.size === 0) throw invalid(path, 'has no merge rules');
  return ranks;
}

async function readConfig<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T> | undefined> {
  const text = await readText(path, false);
  if (text === undefined) return undefined;
  const parsed = schema.safeParse(parseJson(path, text));
  if (!parsed.success) throw invalid(path, z.prettifyError(parsed.error).replaceAll('\n', '; '));
  return parsed.data;
}

function tokenContent(value: SpecialTokensJson[keyof SpecialTokensJson]): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : value.content;
}

// special_tokens_map.json overrides tokenizer_config.json, as in Hugging Face transformers.
function pickToken(
  key: keyof SpecialTokensJson,
  fallback: string,
  sources: ReadonlyArray<readonly [string, SpecialTokensJson | undefined]>,
): SpecialToken {
  for (const [source, json] of sources) {
    const content = json === undefined ? undefined : tokenContent(json[key]);
    if (content !== undefined) return { content, source };
  }
  return { content: fallback, source: undefined };
}

function resolveMaxLength(path: string, value: number | undefined): number {
  // transformers writes a huge number when a tokenizer has no limit; CLIP's window is then 77.
  if (value === undefined || value > Number.MAX_SAFE_INTEGER) return CLIP_MAX_LENGTH;
  if (!Number.isInteger(value) || value < MIN_MAX_LENGTH) {
    throw invalid(path, `model_max_length must be an integer ≥ ${MIN_MAX_LENGTH}, got ${value}`);
  }
  return value;
}

export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const vocabPath = join(dir, VOCAB_FILE);
  const mergesPath = join(dir, MERGES_FILE);
  const configPath = join(dir, TOKENIZER_CONFIG_FILE);
  const mapPath = join(dir, SPECIAL_TOKENS_MAP_FILE);

  const [vocabText, mergesText, config, specialMap] = await Promise.all([
    readText(vocabPath, true),
    readText(mergesPath, true),
    readConfig(configPath, tokenizerConfigSchema),
    readConfig(mapPath, specialTokensSchema),
  ]);
  const sources = [
    [mapPath, specialMap],
    [configPath, config],
  ] as const;
  const eos = pickToken('eos_token', CLIP_EOS_TOKEN, sources);

  return {
    vocab: parseVocab(vocabPath, vocabText ?? ''),
    ranks: parseMerges(mergesPath, mergesText ?? ''),
    specialTokens: {
      bos: pickToken('bos_token', CLIP_BOS_TOKEN, sources),
      eos,
      // No pad token configured: pad with EOS, like SD 1.x.
      pad: pickToken('pad_token', eos.content, sources),
      unk: pickToken('unk_token', CLIP_EOS_TOKEN, sources),
    },
    maxLength: resolveMaxLength(configPath, config?.model_max_length),
    lowerCase: config?.do_lower_case ?? true,
  };
}
