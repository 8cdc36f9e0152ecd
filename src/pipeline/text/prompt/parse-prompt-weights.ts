// A1111's prompt-attention syntax: `(text)` ×1.1, `[text]` ÷1.1, `(text:1.3)` ×1.3, nesting
// multiplies, `\(` `\)` `\[` `\]` `\\` are literal. Follows A1111's parse_prompt_attention:
// - an unclosed `(` or `[` still applies to everything after it;
// - a closer with nothing open is literal text, and so is `:1.3)` with no `(` open;
// - a lone backslash before any other character is dropped;
// - adjacent pieces of equal weight are merged.
// Differences: a weight that is not a number (`(a:1.2.3)`) stays literal text where A1111 fails,
// and BREAK is honoured anywhere (A1111 loses it inside brackets).

export interface PromptSegment {
  readonly text: string;
  readonly weight: number;
  /** `BREAK`: close the current 75-token chunk here. Such a segment has empty text and weight 1. */
  readonly isBreak?: true;
}

interface MutableSegment {
  text: string;
  weight: number;
  isBreak?: true;
}

export const ROUND_BRACKET_MULTIPLIER = 1.1;
export const SQUARE_BRACKET_MULTIPLIER = 1 / 1.1;

const ESCAPABLE = new Set(['(', ')', '[', ']', '\\']);
/** `:1.3)` closing a round bracket with an explicit weight; sticky so it only matches here. */
const EXPLICIT_WEIGHT = /:\s*([+-]?[.\d]+)\s*\)/y;
/** Plain text runs up to the next character with a meaning. */
const PLAIN_TEXT = /[^\\()[\]:]+/y;
/** BREAK as a whole word, with the whitespace around it. */
const BREAK_KEYWORD = /\s*(?<![\p{L}\p{N}_])BREAK(?![\p{L}\p{N}_])\s*/u;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

export function parsePromptWeights(text: string): PromptSegment[] {
  const segments: MutableSegment[] = [];
  const openRound: number[] = [];
  const openSquare: number[] = [];

  const pushText = (piece: string): void => {
    if (piece !== '') segments.push({ text: piece, weight: 1 });
  };
  const pushPlain = (piece: string): void => {
    piece.split(BREAK_KEYWORD).forEach((part, index) => {
      if (index > 0) segments.push({ text: '', weight: 1, isBreak: true });
      pushText(part);
    });
  };
  // Weights everything since `start`; BREAK markers keep weight 1.
  const multiplyFrom = (start: number, multiplier: number): void => {
    for (let i = start; i < segments.length; i++) {
      const segment = segments[i];
      if (segment !== undefined && segment.isBreak !== true) segment.weight *= multiplier;
    }
  };

  let at = 0;
  while (at < text.length) {
    const char = text[at] ?? '';
    if (char === '\\') {
      const next = text[at + 1];
      if (next !== undefined && ESCAPABLE.has(next)) {
        pushText(next);
        at += 2;
      } else {
        at += 1;
      }
    } else if (char === '(') {
      openRound.push(segments.length);
      at += 1;
    } else if (char === '[') {
      openSquare.push(segments.length);
      at += 1;
    } else if (char === ':') {
      const explicit = matchAt(EXPLICIT_WEIGHT, text, at);
      const weight = explicit?.[1];
      if (explicit === null || weight === undefined) {
        pushText(':');
        at += 1;
        continue;
      }
      const start = openRound.at(-1);
      if (start !== undefined && NUMBER.test(weight)) {
        openRound.pop();
        multiplyFrom(start, Number(weight));
      } else {
        pushText(explicit[0]);
      }
      at += explicit[0].length;
    } else if (char === ')' || char === ']') {
      const start = (char === ')' ? openRound : openSquare).pop();
      if (start === undefined) pushText(char);
      else multiplyFrom(start, char === ')' ? ROUND_BRACKET_MULTIPLIER : SQUARE_BRACKET_MULTIPLIER);
      at += 1;
    } else {
      const plain = matchAt(PLAIN_TEXT, text, at)?.[0] ?? char;
      pushPlain(plain);
      at += plain.length;
    }
  }

  // Unclosed brackets apply to the rest of the prompt.
  for (const start of openRound) multiplyFrom(start, ROUND_BRACKET_MULTIPLIER);
  for (const start of openSquare) multiplyFrom(start, SQUARE_BRACKET_MULTIPLIER);

  return mergeEqualWeights(segments);
}

function mergeEqualWeights(segments: readonly MutableSegment[]): PromptSegment[] {
  const merged: MutableSegment[] = [];
  for (const segment of segments) {
    const last = merged.at(-1);
    if (last !== undefined && last.isBreak !== true && segment.isBreak !== true && last.weight === segment.weight) {
      last.text += segment.text;
    } else {
      merged.push({ ...segment });
    }
  }
  return merged.length > 0 ? merged : [{ text: '', weight: 1 }];
}
