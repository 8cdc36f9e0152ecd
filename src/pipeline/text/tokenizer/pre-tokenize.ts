// CLIP's pre-tokenizer: the pieces BPE runs on, each of which ends a word (`</w>`). Letters run
// together, every digit stands alone, other symbols run together, and English contractions split off.
const CLIP_SPLIT =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu;

/** Splits already-cleaned, lower-cased text into pre-tokenizer pieces; whitespace is dropped. */
export function preTokenize(text: string): string[] {
  return text.match(CLIP_SPLIT) ?? [];
}
