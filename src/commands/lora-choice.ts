// The LoRAs of one request: tags in the prompt, `--lora` flags and the `lora` slash option, checked
// against the LoRA folder and the chosen model. At most MAX_LORAS_PER_REQUEST, weights within
// A1111's range; an unknown name is refused with the closest names, a LoRA made for another kind of
// model with what it is for.
import { MAX_LORAS_PER_REQUEST, MAX_LORA_WEIGHT, MIN_LORA_WEIGHT, type LoraRequest, type ModelKind } from '../pipeline/types.js';
import { DEFAULT_LORA_WEIGHT, type LoraAsk } from './lora-tags.js';
import { messages } from './messages.js';
import type { LoraEntry, LoraFamily } from './ports.js';
import { invalidOption } from './user-facing-error.js';

const LORA_OPTION = 'lora';
const CLOSEST_SHOWN = 3;
/** Which LoRA family fits which model kind. */
const FAMILY_OF_KIND: Record<ModelKind, LoraFamily> = { sd1: 'sd1', lcm: 'sd1', sd2: 'sd2', 'sd-turbo': 'sd2', sdxl: 'sdxl', 'sdxl-turbo': 'sdxl' };

export function resolveLoras(asks: readonly LoraAsk[], available: readonly LoraEntry[], modelName: string, kind: ModelKind): LoraRequest[] {
  const chosen = new Map<string, LoraRequest>();
  for (const ask of asks) {
    const entry = findEntry(ask, available);
    const weight = weightOf(ask);
    const family = FAMILY_OF_KIND[kind];
    if (entry.family !== 'unknown' && entry.family !== family) {
      throw invalidOption(messages.loras.wrongFamily(ask.typed, entry.name, messages.loras.familyLabel(entry.family), modelName, messages.loras.familyLabel(family)), {
        option: ask.typed, value: entry.name, allowed: messages.loras.familyAllowed(messages.loras.familyLabel(family)),
      });
    }
    // The same LoRA asked for twice: the last weight counts, as in the last-wins rule of flags.
    chosen.delete(entry.name);
    chosen.set(entry.name, { name: entry.name, weight });
  }
  if (chosen.size > MAX_LORAS_PER_REQUEST) {
    const names = [...chosen.keys()].join(', ');
    throw invalidOption(messages.loras.tooMany(chosen.size, MAX_LORAS_PER_REQUEST), { option: LORA_OPTION, value: names, allowed: messages.loras.tooManyAllowed(MAX_LORAS_PER_REQUEST) });
  }
  return [...chosen.values()];
}

function findEntry(ask: LoraAsk, available: readonly LoraEntry[]): LoraEntry {
  const exact = available.find((entry) => entry.name === ask.name) ?? available.find((entry) => entry.name.toLowerCase() === ask.name.toLowerCase());
  if (exact !== undefined) return exact;
  const closest = closestNames(ask.name, available.map((entry) => entry.name));
  throw invalidOption(messages.loras.unknown(ask.typed, ask.name, closest, available.length), {
    option: ask.typed, value: ask.name, allowed: messages.loras.unknownAllowed(closest),
  });
}

function weightOf(ask: LoraAsk): number {
  if (ask.weight === undefined || ask.weight === '') return DEFAULT_LORA_WEIGHT;
  const weight = Number(ask.weight);
  if (!Number.isFinite(weight) || weight < MIN_LORA_WEIGHT || weight > MAX_LORA_WEIGHT) {
    throw invalidOption(messages.loras.badWeight(ask.typed, ask.weight, MIN_LORA_WEIGHT, MAX_LORA_WEIGHT), {
      option: ask.typed, value: ask.weight, allowed: messages.loras.weightAllowed(MIN_LORA_WEIGHT, MAX_LORA_WEIGHT),
    });
  }
  return weight;
}

/** Names by edit distance (case-insensitive), names containing what was typed first. */
export function closestNames(typed: string, names: readonly string[]): string[] {
  const wanted = typed.toLowerCase();
  return names
    .map((name) => ({ name, score: name.toLowerCase().includes(wanted) ? 0 : editDistance(wanted, name.toLowerCase()) }))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, CLOSEST_SHOWN)
    .map((entry) => entry.name);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
