import { describe, expect, it } from 'vitest';
import { parsePromptWeights, type PromptSegment } from '../../../../src/pipeline/text/prompt/parse-prompt-weights.js';

const BREAK = 'BREAK';
type Expected = [text: string, weight: number] | typeof BREAK;

// Weights are products of 1.1 and user numbers; compare them to 10 decimals.
function simplify(segments: readonly PromptSegment[]): Expected[] {
  return segments.map((segment) =>
    segment.isBreak === true ? BREAK : [segment.text, Math.round(segment.weight * 1e10) / 1e10],
  );
}

function round(expected: readonly Expected[]): Expected[] {
  return expected.map((entry) => (entry === BREAK ? entry : [entry[0], Math.round(entry[1] * 1e10) / 1e10]));
}

describe('parsePromptWeights (A1111 parse_prompt_attention)', () => {
  it.each<[string, string, Expected[]]>([
    // The examples from A1111's own documentation of the parser.
    ['plain text', 'normal text', [['normal text', 1]]],
    ['round brackets', 'an (important) word', [['an ', 1], ['important', 1.1], [' word', 1]]],
    ['unclosed bracket applies to the rest', '(unbalanced', [['unbalanced', 1.1]]],
    ['escapes', '\\(literal\\]', [['(literal]', 1]]],
    ['equal weights merge', '(unnecessary)(parens)', [['unnecessaryparens', 1.1]]],
    [
      'the full A1111 example',
      'a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).',
      [['a ', 1], ['house', 1.3 * 1.1 * 1.1], [' ', 1.1], ['on', 1], [' a ', 1.1], ['hill', 0.55], [', sun, ', 1.1], ['sky', 1.1 ** 4], ['.', 1.1]],
    ],
    // The cases the issue names.
    ['explicit weight and square brackets', 'a (cat:1.5) [dog]', [['a ', 1], ['cat', 1.5], [' ', 1], ['dog', 1 / 1.1]]],
    ['double brackets', '((a)) b', [['a', 1.21], [' b', 1]]],
    ['escaped round brackets', '\\(literal\\)', [['(literal)', 1]]],
    ['unclosed round bracket', '(unclosed', [['unclosed', 1.1]]],
    ['unclosed square bracket', 'a [unclosed', [['a ', 1], ['unclosed', 1 / 1.1]]],
    ['both kinds unclosed', '(a [b', [['a ', 1.1], ['b', 1]]],
    ['a colon without a weight is text', 'a:b', [['a:b', 1]]],
    ['weight zero', '(a:0)', [['a', 0]]],
    ['explicit weight inside brackets', '((a:1.5))', [['a', 1.65]]],
    // Edges that follow from A1111's grammar.
    ['double square brackets', '[[a]]', [['a', 1 / 1.21]]],
    ['round and square cancel', '(a [b])', [['a ', 1.1], ['b', 1]]],
    ['stray closers are text', 'a) b]', [['a) b]', 1]]],
    ['an explicit weight with nothing open is text', 'a:1.2) b', [['a:1.2) b', 1]]],
    ['spaces around the weight', '(a : 1.2 )', [['a ', 1.2]]],
    ['negative weight', '(a:-1)', [['a', -1]]],
    ['a weight that is not a number stays text', '(a:1.2.3)', [['a:1.2.3)', 1.1]]],
    ['escaped backslash', 'a\\\\b', [['a\\b', 1]]],
    ['a lone backslash is dropped', 'a\\b', [['ab', 1]]],
    ['empty prompt', '', [['', 1]]],
    ['BREAK splits', 'a BREAK b', [['a', 1], BREAK, ['b', 1]]],
    ['BREAK inside brackets still splits', '(a BREAK b)', [['a', 1.1], BREAK, ['b', 1.1]]],
    ['BREAK only as a whole upper-case word', 'BREAKfast break', [['BREAKfast break', 1]]],
  ])('%s: %j', (_name, prompt, expected) => {
    expect(simplify(parsePromptWeights(prompt))).toEqual(round(expected));
  });
});
