// Sessions with LoRAs applied. A LoRA set (names, weights, file hashes) is applied once: the model
// parts it touches are copied with W + Σ ΔW (see patched-copy.ts), cached on disk, and opened as
// sessions of their own. The last few sets stay open, so asking again for a set costs nothing;
// parts a set does not touch share the base sessions.
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PipelineError } from '../errors.js';
import type { OnnxModel } from '../onnx/onnx-model.js';
import type { AppliedLoraInfo, LoraRequest, ModelKind } from '../types.js';
import { shortFileHash } from './file-hash.js';
import { LORA_FILE_EXTENSION, readLoraFile, type LoraFamily } from './lora-file.js';
import type { LoraPart } from './lora-keys.js';
import { LoraDiskCache } from './lora-disk-cache.js';
import { writePatchedCopy } from './patched-copy.js';
import { planPatches, type ActiveLora, type PatchPlan } from './patch-plan.js';
import { MatMul } from '../onnx/matmul-model.js';
import { weightMapOf, type WeightMap } from './weight-map.js';

/** LoRA sets kept open besides the base model: each holds its own copy of the parts it changes. */
export const DEFAULT_LORA_WARM_SETS = 2;
const DEFAULT_LORA_CACHE_MAX_BYTES = 20 * 1024 ** 3;
/** A LoRA name is a file name in the LoRA folder, never a path (no separators, no leading dot). */
const LORA_NAME = /^[^./\\\0][^/\\\0]*$/u;

export type LoraPartModels = Readonly<Record<'unet' | 'textEncoder', OnnxModel>> & { readonly textEncoder2: OnnxModel | undefined };

export interface LoraActivation {
  readonly models: LoraPartModels;
  readonly loras: readonly AppliedLoraInfo[];
}

export interface LoraSessionOptions {
  readonly loraDir: string;
  readonly cacheDir: string;
  readonly cacheMaxBytes?: number;
  readonly warmSets?: number;
  readonly modelName: string;
  readonly modelKind: ModelKind;
  /** Threads for the cpu matrix products that compute ΔW; onnxruntime's choice when absent. */
  readonly threads?: number;
  /** Opens a session like the base ones (same provider and threads). */
  readonly load: (file: string) => Promise<OnnxModel>;
}

/** What a cache folder holds: which parts were patched, and how many modules of each LoRA matched. */
interface Manifest {
  readonly parts: ReadonlyArray<keyof LoraPartModels>;
  readonly matches: ReadonlyArray<{ readonly applied: number; readonly total: number }>;
}
const MANIFEST_FILE = 'lora-set.json';

const PART_MODELS: ReadonlyArray<readonly [LoraPart, keyof LoraPartModels]> = [
  ['unet', 'unet'],
  ['text_encoder', 'textEncoder'],
  ['text_encoder_2', 'textEncoder2'],
];

const FAMILY_LABELS: Record<Exclude<LoraFamily, 'unknown'>, string> = { sd1: 'SD1', sd2: 'SD2', sdxl: 'SDXL' };
const KIND_LABELS: Record<ModelKind, string> = { sd1: 'SD1', sd2: 'SD2', sdxl: 'SDXL', 'sd-turbo': 'SD2 (Turbo)', 'sdxl-turbo': 'SDXL (Turbo)', lcm: 'SD1 (LCM)' };

export class LoraSessions {
  private readonly warm = new Map<string, LoraActivation>();
  private readonly disk: LoraDiskCache;

  constructor(
    private readonly base: LoraPartModels,
    private readonly options: LoraSessionOptions,
  ) {
    this.disk = new LoraDiskCache(options.cacheDir, options.cacheMaxBytes ?? DEFAULT_LORA_CACHE_MAX_BYTES);
  }

  /** Sessions for this LoRA set; `onApplying` is told before a set that is not warm gets applied. */
  async activate(requests: readonly LoraRequest[], onApplying: () => void): Promise<LoraActivation> {
    const wanted = requests.filter((request) => request.weight !== 0);
    if (wanted.length === 0) return { models: this.base, loras: [] };
    const files = await Promise.all(wanted.map((request) => this.fileOf(request.name)));
    const hashes = await Promise.all(files.map((file) => shortFileHash(file)));
    const key = digest(wanted.map((request, i) => [request.name, request.weight, hashes[i]]).sort());
    const warm = this.warm.get(key);
    if (warm !== undefined) {
      this.warm.delete(key);
      this.warm.set(key, warm);
      return warm;
    }
    onApplying();
    // One cache folder per (model files, LoRA set): after a restart the patched copies are found
    // there, and only the sessions are made again.
    const stamps = await Promise.all(PART_MODELS.map(([, field]) => this.base[field]).filter((model) => model !== undefined).map((model) => stamp(model.file)));
    const { dir } = await this.disk.entry(digest([stamps, key]), (target) => this.writeSet(wanted, files, target));
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
    const models: Record<string, OnnxModel | undefined> = { ...this.base };
    const opened: OnnxModel[] = [];
    try {
      for (const field of manifest.parts) {
        const baseModel = this.base[field];
        if (baseModel === undefined) continue;
        const model = await this.options.load(join(dir, field, basename(baseModel.file)));
        opened.push(model);
        models[field] = model;
      }
    } catch (error) {
      await Promise.allSettled(opened.map((model) => model.release()));
      throw error;
    }
    const activation: LoraActivation = {
      models: models as LoraPartModels,
      loras: wanted.map((request, i) => ({ ...request, hash: hashes[i] ?? '', applied: manifest.matches[i]?.applied ?? 0, total: manifest.matches[i]?.total ?? 0 })),
    };
    this.warm.set(key, activation);
    await this.evictWarm();
    return activation;
  }

  /** Reads the LoRAs, refuses one that matches nothing, and writes the patched parts and a manifest into `target`. */
  private async writeSet(wanted: readonly LoraRequest[], files: readonly string[], target: string): Promise<void> {
    await mkdir(target, { recursive: true });
    const active: ActiveLora[] = [];
    for (const [i, request] of wanted.entries()) active.push({ ...request, file: await readLoraFile(files[i] ?? '') });
    const maps: Partial<Record<LoraPart, WeightMap>> = {};
    for (const [part, field] of PART_MODELS) {
      const model = this.base[field];
      if (model !== undefined && active.some((lora) => lora.file.modules.some((module) => module.part === part))) maps[part] = await weightMapOf(model.file);
    }
    const matmul = await MatMul.create(this.options.threads);
    let plan: PatchPlan;
    try {
      plan = await planPatches(maps, active, (a, b, m, k, n) => matmul.multiply(a, b, m, k, n));
    } finally {
      await matmul.release();
    }
    for (const [i, match] of plan.matches.entries()) {
      const lora = active[i];
      if (match.applied === 0 && lora !== undefined) throw this.noMatch(match.name, lora.file.family);
    }
    const parts: Array<keyof LoraPartModels> = [];
    for (const [part, patches] of plan.parts) {
      const field = PART_MODELS.find(([name]) => name === part)?.[1];
      const baseModel = field === undefined ? undefined : this.base[field];
      if (field === undefined || baseModel === undefined) continue;
      await writePatchedCopy(baseModel.file, maps[part]?.externalFiles ?? [], patches, join(target, field));
      parts.push(field);
    }
    const manifest: Manifest = { parts, matches: plan.matches };
    await writeFile(join(target, MANIFEST_FILE), JSON.stringify(manifest));
  }

  async release(): Promise<void> {
    const sets = [...this.warm.values()];
    this.warm.clear();
    await Promise.allSettled(sets.map((set) => this.releaseSet(set)));
  }

  private async evictWarm(): Promise<void> {
    const limit = this.options.warmSets ?? DEFAULT_LORA_WARM_SETS;
    for (const [key, set] of this.warm) {
      if (this.warm.size <= limit) return;
      this.warm.delete(key);
      await this.releaseSet(set);
    }
  }

  private async releaseSet(set: LoraActivation): Promise<void> {
    const baseModels: ReadonlyArray<OnnxModel | undefined> = Object.values(this.base);
    const own = Object.values(set.models).filter((model): model is OnnxModel => model !== undefined && !baseModels.includes(model));
    await Promise.all(own.map((model) => model.release()));
  }

  private async fileOf(name: string): Promise<string> {
    if (!LORA_NAME.test(name)) throw new PipelineError('invalid_params', `"${name}" is not a LoRA name: use the file name without ${LORA_FILE_EXTENSION}`);
    const file = join(this.options.loraDir, `${name}${LORA_FILE_EXTENSION}`);
    try {
      await access(file);
    } catch {
      throw new PipelineError('invalid_params', `LoRA "${name}" is not in the LoRA folder`);
    }
    return file;
  }

  private noMatch(name: string, family: LoraFamily): PipelineError {
    const model = `"${this.options.modelName}" is an ${KIND_LABELS[this.options.modelKind]} model`;
    const madeFor = family === 'unknown' ? 'it may be made for another kind of model' : `it looks made for ${FAMILY_LABELS[family]}`;
    return new PipelineError('invalid_params', `LoRA "${name}" matches none of this model's weights: ${madeFor}, and ${model}.`);
  }
}

async function stamp(file: string): Promise<string> {
  const info = await stat(file);
  return `${info.size}:${info.mtimeMs}`;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 24);
}
