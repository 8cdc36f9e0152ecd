// The LoRA folder as a list: each `NAME.safetensors` with what it seems to be made for and its
// trigger words (modelspec.trigger_phrase, else the most frequent ss_tag_frequency tags). Only
// headers are read, and each file once per version (size, mtime).
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
// Imports nothing that loads onnxruntime: the bot process lists LoRAs, only the worker applies them.
import { LORA_FILE_EXTENSION, loraFileOf, type LoraFamily } from './lora-file.js';
import { parseSafetensors } from './safetensors.js';

const HEADER_LENGTH_BYTES = 8;
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const TRIGGER_WORDS_SHOWN = 5;

export interface LoraCatalogEntry {
  readonly name: string;
  readonly family: LoraFamily;
  readonly triggerWords: readonly string[];
}

export class LoraFolderCatalog {
  private readonly cache = new Map<string, { readonly stamp: string; readonly entry: LoraCatalogEntry | undefined }>();

  constructor(readonly dir: string) {}

  /** Every readable LoRA in the folder, by name; an unreadable file is left out. */
  async list(): Promise<LoraCatalogEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const entries = await Promise.all(
      names.filter((name) => name.endsWith(LORA_FILE_EXTENSION) && !name.startsWith('.')).map((name) => this.entryOf(name.slice(0, -LORA_FILE_EXTENSION.length))),
    );
    return entries.filter((entry) => entry !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  private async entryOf(name: string): Promise<LoraCatalogEntry | undefined> {
    const file = join(this.dir, `${name}${LORA_FILE_EXTENSION}`);
    try {
      const info = await stat(file);
      const stamp = `${info.size}:${info.mtimeMs}`;
      const cached = this.cache.get(file);
      if (cached?.stamp === stamp) return cached.entry;
      const entry = await readEntry(name, file);
      this.cache.set(file, { stamp, entry });
      return entry;
    } catch {
      return undefined;
    }
  }
}

async function readEntry(name: string, file: string): Promise<LoraCatalogEntry> {
  const handle = await open(file, 'r');
  try {
    const head = new Uint8Array(HEADER_LENGTH_BYTES);
    await handle.read(head, 0, HEADER_LENGTH_BYTES, 0);
    const headerLength = Math.min(Number(new DataView(head.buffer).getBigUint64(0, true)), MAX_HEADER_BYTES);
    const header = new Uint8Array(HEADER_LENGTH_BYTES + headerLength);
    await handle.read(header, 0, header.length, 0);
    // The header alone: tensors' data offsets point past it, so only shapes and names are read.
    const parsed = parseSafetensors(header, { headerOnly: true });
    const lora = loraFileOf(parsed, file);
    return { name, family: lora.family, triggerWords: triggerWords(parsed.metadata) };
  } finally {
    await handle.close();
  }
}

function triggerWords(metadata: Readonly<Record<string, string>>): string[] {
  const phrase = metadata['modelspec.trigger_phrase'];
  if (phrase !== undefined && phrase.trim() !== '') return phrase.split(',').map((word) => word.trim()).filter((word) => word !== '');
  const frequencies = metadata['ss_tag_frequency'];
  if (frequencies === undefined) return [];
  try {
    const totals = new Map<string, number>();
    for (const tags of Object.values(JSON.parse(frequencies) as Record<string, Record<string, number>>)) {
      for (const [tag, count] of Object.entries(tags)) totals.set(tag.trim(), (totals.get(tag.trim()) ?? 0) + Number(count));
    }
    return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, TRIGGER_WORDS_SHOWN).map(([tag]) => tag);
  } catch {
    return [];
  }
}
