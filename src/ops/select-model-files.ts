// Picks, from a Hub repo listing, only what the ONNX pipeline reads: model_index.json, the
// tokenizer and scheduler configs, and each part's model.onnx with its external data and
// config.json. Diffusers/PyTorch weights that often sit in the same folders are left behind.
import type { ListFileEntry } from '@huggingface/hub';
import { posix } from 'node:path';
import type { ExpectedDigest } from './file-digest.js';

const MODEL_INDEX = 'model_index.json';
const GRAPH_FILE = 'model.onnx';
/** Folders holding small JSON/text configs. */
const CONFIG_PARTS = ['tokenizer', 'tokenizer_2', 'scheduler'];
/** Folders holding an ONNX graph. */
const GRAPH_PARTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'];
const SAFETY_PARTS = { graph: 'safety_checker', config: 'feature_extractor' } as const;
const CONFIG_EXTENSIONS = ['.json', '.txt'];
/** Other weight formats and documents found next to ONNX graphs in mixed repos. */
const FOREIGN_EXTENSIONS = ['.safetensors', '.bin', '.ckpt', '.pt', '.pth', '.msgpack', '.h5', '.ot', '.ort', '.md', '.png', '.jpg'];
/** External data of other graphs in the folder, e.g. model_fp16.onnx_data. */
const OTHER_GRAPH_DATA = /\.onnx(_data|\.data)$/;
const REQUIRED = ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt', 'text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx'];
const XL_REQUIRED = ['text_encoder_2/model.onnx', 'tokenizer_2/vocab.json', 'tokenizer_2/merges.txt'];

export interface SelectedFile {
  /** Path in the repo, as the Hub's resolve URL wants it. */
  readonly repoPath: string;
  /** Path inside the model folder (the subfolder prefix removed). */
  readonly localPath: string;
  readonly size: number;
  readonly digest?: ExpectedDigest;
}

export interface SelectOptions {
  /** Repo folder that holds the export, when it is not the repo root. */
  readonly subfolder?: string;
  readonly safetyChecker: boolean;
}

export class MissingModelFilesError extends Error {
  override readonly name = 'MissingModelFilesError';
  constructor(
    readonly missing: readonly string[],
    where: string,
  ) {
    super(
      `${where} is not a complete ONNX Stable Diffusion export: missing ${missing.join(', ')}. ` +
        'Check --revision/--subfolder, or export the checkpoint with `optimum-cli export onnx` (see README, Models).',
    );
  }
}

function wantedGraphFile(fileName: string): boolean {
  if (fileName === GRAPH_FILE || fileName === 'config.json') return true;
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.onnx')) return false;
  if (OTHER_GRAPH_DATA.test(lower)) return lower === 'model.onnx_data' || lower === 'model.onnx.data';
  if (lower.startsWith('.')) return false;
  return !FOREIGN_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

function wanted(localPath: string, options: SelectOptions): boolean {
  const segments = localPath.split('/');
  if (segments.length === 1) return localPath === MODEL_INDEX;
  if (segments.length !== 2) return false;
  const [folder = '', fileName = ''] = segments;
  const configFolders = options.safetyChecker ? [...CONFIG_PARTS, SAFETY_PARTS.config] : CONFIG_PARTS;
  if (configFolders.includes(folder)) return CONFIG_EXTENSIONS.some((extension) => fileName.endsWith(extension));
  const graphFolders = options.safetyChecker ? [...GRAPH_PARTS, SAFETY_PARTS.graph] : GRAPH_PARTS;
  if (graphFolders.includes(folder)) return wantedGraphFile(fileName);
  return false;
}

function digestOf(entry: ListFileEntry): ExpectedDigest | undefined {
  if (entry.lfs !== undefined) return { algorithm: 'sha256', hex: entry.lfs.oid };
  // Xet files without LFS info have no content hash we can recompute; plain git files have their blob id.
  if (entry.xetHash !== undefined || entry.oid === undefined) return undefined;
  return { algorithm: 'git-blob-sha1', hex: entry.oid };
}

/** The files to fetch, or MissingModelFilesError naming what the export lacks. */
export function selectModelFiles(entries: readonly ListFileEntry[], where: string, options: SelectOptions): SelectedFile[] {
  const prefix = options.subfolder === undefined || options.subfolder === '' ? '' : `${posix.normalize(options.subfolder).replace(/\/+$/, '')}/`;
  const selected: SelectedFile[] = [];
  for (const entry of entries) {
    if (entry.type !== 'file' || !entry.path.startsWith(prefix)) continue;
    const localPath = entry.path.slice(prefix.length);
    if (!wanted(localPath, options)) continue;
    const digest = digestOf(entry);
    selected.push({ repoPath: entry.path, localPath, size: entry.lfs?.size ?? entry.size, ...(digest ? { digest } : {}) });
  }
  const have = new Set(selected.map((file) => file.localPath));
  const isXl = have.has('text_encoder_2/model.onnx') || [...have].some((path) => path.startsWith('tokenizer_2/'));
  const missing = [...REQUIRED, ...(isXl ? XL_REQUIRED : [])].filter((path) => !have.has(path));
  if (missing.length > 0) throw new MissingModelFilesError(missing, where);
  return selected.sort((a, b) => (a.localPath < b.localPath ? -1 : a.localPath > b.localPath ? 1 : 0));
}
