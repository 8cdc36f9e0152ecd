// Which initializers of a model part the active LoRAs change, and by how much: Σ weight·ΔW per
// initializer, already laid out like the stored tensor, plus how many of each LoRA's modules found
// a weight of the right shape here.
import type { LoraFile } from './lora-file.js';
import { loraDelta, loraShape, type Multiply } from './lora-delta.js';
import { flatModuleName, type LoraPart } from './lora-keys.js';
import type { WeightMap, WeightTarget } from './weight-map.js';

export interface ActiveLora {
  readonly name: string;
  readonly weight: number;
  readonly file: LoraFile;
}

export interface InitializerPatch {
  readonly target: WeightTarget;
  /** Σ ΔW in the initializer's own element order. */
  readonly delta: Float32Array;
}

export interface LoraMatch {
  readonly name: string;
  readonly applied: number;
  readonly total: number;
}

export interface PatchPlan {
  /** Per part that has LoRA weights and a model file. */
  readonly parts: ReadonlyMap<LoraPart, readonly InitializerPatch[]>;
  readonly matches: readonly LoraMatch[];
}

export async function planPatches(maps: Partial<Record<LoraPart, WeightMap>>, loras: readonly ActiveLora[], multiply?: Multiply): Promise<PatchPlan> {
  const sums = new Map<LoraPart, Map<string, InitializerPatch>>();
  const flatIndexes = new Map<LoraPart, Map<string, WeightTarget>>();
  const matches: LoraMatch[] = [];
  for (const lora of loras) {
    let applied = 0;
    for (const module of lora.file.modules) {
      const map = maps[module.part];
      if (map === undefined) continue;
      const target = map.modules.get(module.module) ?? flatIndex(flatIndexes, module.part, map).get(flatModuleName(module.module));
      if (target === undefined) continue;
      const { out, inner } = loraShape(module);
      const layout = layoutFor(target, out, inner);
      if (layout === undefined) continue;
      const delta = await loraDelta(module, lora.weight, layout, multiply);
      const part = sums.get(module.part) ?? new Map<string, InitializerPatch>();
      sums.set(module.part, part);
      const patch = part.get(target.initializer);
      if (patch === undefined) part.set(target.initializer, { target, delta });
      else for (let k = 0; k < delta.length; k++) patch.delta[k] = (patch.delta[k] as number) + (delta[k] as number);
      applied += 1;
    }
    matches.push({ name: lora.name, applied, total: lora.file.modules.length });
  }
  const parts = new Map<LoraPart, readonly InitializerPatch[]>();
  for (const [part, patches] of sums) parts.set(part, [...patches.values()]);
  return { parts, matches };
}

function flatIndex(cache: Map<LoraPart, Map<string, WeightTarget>>, part: LoraPart, map: WeightMap): Map<string, WeightTarget> {
  const cached = cache.get(part);
  if (cached !== undefined) return cached;
  const index = new Map<string, WeightTarget>();
  for (const [module, target] of map.modules) index.set(flatModuleName(module), target);
  cache.set(part, index);
  return index;
}

/** How ΔW [out, inner] fits the stored tensor, or undefined when its shape does not match. */
function layoutFor(target: WeightTarget, out: number, inner: number): WeightTarget['layout'] | undefined {
  const dims = target.storage.dims;
  const count = dims.reduce((product, dim) => product * dim, 1);
  if (count !== out * inner || dims.length < 2) return undefined;
  const torch = dims[0] === out;
  const transposed = dims.length === 2 && dims[0] === inner && dims[1] === out;
  if (torch && transposed) return target.layout; // square: the graph says which
  if (torch) return 'torch';
  if (transposed) return 'transposed';
  return undefined;
}
