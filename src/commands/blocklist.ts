// Prompt moderation against the configured words and /patterns/. The refusal is neutral: it never
// says which word matched, so the list cannot be probed word by word.
import type { CommandsConfig } from './config.js';
import { compileRegexLiteral } from './config.js';

export interface Blocklist {
  matches(text: string): boolean;
}

// Zero-width and other format characters are invisible, so "n\u200Bsfw" must read as "nsfw".
const FORMAT_CHARACTERS = /\p{Cf}/gu;
const REGEX_SPECIALS = /[.*+?^${}()|[\]\\]/g;

const compiled = new WeakMap<CommandsConfig['blocklist'], Blocklist>();

/** The blocklist of a config, compiled once per config object. */
export function blocklistOf(config: CommandsConfig): Blocklist {
  const cached = compiled.get(config.blocklist);
  if (cached !== undefined) return cached;
  const blocklist = compileBlocklist(config.blocklist);
  compiled.set(config.blocklist, blocklist);
  return blocklist;
}

export function compileBlocklist(source: CommandsConfig['blocklist']): Blocklist {
  const expressions: RegExp[] = [];
  const words = source.words.map((word) => normalize(word).replace(REGEX_SPECIALS, '\\$&'));
  // Whole words only: "class" must not match a blocked "ass". Letters and digits in any script count.
  if (words.length > 0) expressions.push(new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join('|')})(?![\\p{L}\\p{N}])`, 'u'));
  for (const pattern of source.patterns) {
    const expression = compileRegexLiteral(pattern);
    if (expression !== undefined) expressions.push(expression);
  }
  return {
    matches: (text) => {
      const normalized = normalize(text);
      return expressions.some((expression) => expression.test(normalized));
    },
  };
}

/** NFKC folds look-alikes such as full-width letters; lower-casing makes words case-insensitive. */
function normalize(text: string): string {
  return text.normalize('NFKC').replace(FORMAT_CHARACTERS, '').toLowerCase();
}
