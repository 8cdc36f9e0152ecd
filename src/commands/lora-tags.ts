// A1111's extra-network syntax in a prompt: `<lora:NAME>` or `<lora:NAME:WEIGHT>`. The tags are
// taken out of the text (CLIP would only read them as noise) and become LoRA requests.

/** `<lora:name>` / `<lora:name:0.8>`; the name runs to the last colon, so it may contain spaces. */
const LORA_TAG = /<lora:([^<>]+?)(?::([^:<>]*))?>/giu;
const SPACES = /\s{2,}/gu;
const EDGE_JUNK = /^[\s,]+|[\s,]+$/gu;
export const DEFAULT_LORA_WEIGHT = 1;

export interface LoraAsk {
  /** How the user wrote it, for refusals: `<lora:foo:3>` or `--lora foo:3`. */
  readonly typed: string;
  readonly name: string;
  /** The weight as written; undefined when left out (then 1). */
  readonly weight: string | undefined;
}

/** The prompt without its `<lora:…>` tags, and the tags in order. */
export function extractLoraTags(prompt: string): { readonly prompt: string; readonly asks: readonly LoraAsk[] } {
  const asks: LoraAsk[] = [];
  const text = prompt.replace(LORA_TAG, (typed: string, name: string, weight: string | undefined) => {
    asks.push({ typed, name: name.trim(), weight: weight?.trim() });
    return ' ';
  });
  return { prompt: asks.length === 0 ? prompt : text.replace(SPACES, ' ').replace(EDGE_JUNK, '').replace(/\s+,/gu, ','), asks };
}

/** `NAME` or `NAME:WEIGHT`, as `--lora` and the `lora` slash option take it. */
export function parseLoraAsk(typed: string, value: string): LoraAsk {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return { typed, name: value.trim(), weight: undefined };
  return { typed, name: value.slice(0, colon).trim(), weight: value.slice(colon + 1).trim() };
}
