// Each configured model folder: is the layout complete, and what kind of model is it. The quick
// check reads configs only; `full` opens every graph with onnxruntime, as the bot will.
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { modelKindOf, readModelFolder } from '../../pipeline/model/model-folder.js';
import type { ModelFolder } from '../../pipeline/model/model-folder.js';
import type { ModelKind } from '../../pipeline/types.js';
import { describeManifest, readManifest, verifyManifest } from '../download-manifest.js';
import type { DoctorRow } from './doctor-row.js';
import type { ConfiguredModel, DoctorSettings } from './doctor-settings.js';

export const KIND_LABELS: Record<ModelKind, string> = {
  sd1: 'SD1',
  sd2: 'SD2',
  sdxl: 'XL',
  'sd-turbo': 'Turbo (SD2)',
  'sdxl-turbo': 'Turbo (XL)',
  lcm: 'LCM',
};

/** Opens the folder with the real pipeline and returns its kind; supplied by the caller so the quick path never loads onnxruntime. */
export type OpenModel = (dir: string, name: string) => Promise<ModelKind>;

async function readJsonObject(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Kind from configs when they tell (text encoder width, UNet cross-attention and LCM's time_cond_proj_dim). */
async function kindFromConfigs(folder: ModelFolder): Promise<{ kind: ModelKind; sure: boolean }> {
  const unet = await readJsonObject(join(folder.dir, 'unet', 'config.json'));
  const textEncoder = await readJsonObject(join(folder.dir, 'text_encoder', 'config.json'));
  const width = [textEncoder?.['hidden_size'], unet?.['cross_attention_dim']].find((candidate) => typeof candidate === 'number') as number | undefined;
  const hasTimestepCond = typeof unet?.['time_cond_proj_dim'] === 'number';
  const kind = modelKindOf(folder, width ?? 0, hasTimestepCond);
  // Without a width, SD1 and SD2 look alike from the outside.
  return { kind, sure: width !== undefined || kind !== 'sd1' };
}

async function discoverModels(modelsDir: string): Promise<ConfiguredModel[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(modelsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: ConfiguredModel[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory()) continue;
    const dir = join(modelsDir, entry.name);
    if ((await readJsonObject(join(dir, 'model_index.json'))) !== undefined) found.push({ name: entry.name, dir });
  }
  return found;
}

async function checkOne(model: ConfiguredModel, isDefault: boolean, open: OpenModel | undefined): Promise<DoctorRow> {
  const check = `model ${model.name}`;
  const suffix = isDefault ? ', default' : '';
  try {
    const folder = await readModelFolder(model.dir);
    // The download manifest: sizes always, hashes with --full (which reads every byte anyway).
    const manifest = await readManifest(model.dir);
    const full = open !== undefined;
    const problems = manifest === undefined ? [] : await verifyManifest(model.dir, manifest, { hashes: full });
    if (manifest !== undefined && problems.length > 0) {
      return {
        check,
        status: 'fail',
        detail: `${model.dir} no longer matches its download (${describeManifest(manifest)}): ${problems.join('; ')}; run npm run model:download again to repair it`,
      };
    }
    const source = manifest === undefined ? '' : `; matches its download ${describeManifest(manifest)}${full ? ' (sizes and sha256)' : ' (sizes)'}`;
    if (open !== undefined) {
      const kind = await open(model.dir, model.name);
      return { check, status: 'ok', detail: `${model.dir}: ${KIND_LABELS[kind]}, every graph opens${suffix}${source}` };
    }
    const { kind, sure } = await kindFromConfigs(folder);
    const label = sure ? KIND_LABELS[kind] : 'SD1 or SD2';
    return { check, status: 'ok', detail: `${model.dir}: ${label}, layout complete${suffix} (--full opens the graphs)${source}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { check, status: 'fail', detail: `${message}; fix the folder or fetch it again with npm run model:download` };
  }
}

export async function checkModels(settings: DoctorSettings, open?: OpenModel): Promise<DoctorRow[]> {
  const models = settings.models ?? (await discoverModels(settings.modelsDir));
  if (models.length === 0) {
    const where = settings.models === undefined ? `no model folder in ${settings.modelsDir}` : 'MODELS lists no model';
    return [{ check: 'models', status: 'fail', detail: `${where}: run \`npm run model:download -- sd-turbo\` (or another preset) first` }];
  }
  const rows: DoctorRow[] = [];
  const names = models.map((model) => model.name);
  const defaultName = settings.defaultModel ?? names[0];
  if (settings.defaultModel !== undefined && !names.includes(settings.defaultModel)) {
    rows.push({ check: 'DEFAULT_MODEL', status: 'fail', detail: `"${settings.defaultModel}" is not among the models (${names.join(', ')})` });
  }
  for (const model of models) rows.push(await checkOne(model, model.name === defaultName, open));
  return rows;
}
