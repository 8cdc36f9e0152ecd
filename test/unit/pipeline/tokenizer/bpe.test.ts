import { describe, expect, it } from 'vitest';
import { bpe, mergeKey } from '../../../../src/pipeline/text/tokenizer/bpe.js';

function ranks(...rules: Array<[string, string]>): Map<string, number> {
  return new Map(rules.map(([left, right], rank) => [mergeKey(left, right), rank]));
}

describe('bpe', () => {
  it.each([
    ['the lowest rank merges first', ['a', 'b', 'c</w>'], ranks(['b', 'c</w>'], ['a', 'b']), ['a', 'bc</w>']],
    ['rank order, not position, decides', ['a', 'b', 'c</w>'], ranks(['a', 'b'], ['b', 'c</w>']), ['ab', 'c</w>']],
    ['merges chain into one token', ['c', 'a', 't</w>'], ranks(['a', 't</w>'], ['c', 'at</w>']), ['cat</w>']],
    ['every occurrence of a pair merges, left to right', ['a', 'a', 'a', 'a</w>'], ranks(['a', 'a']), ['aa', 'a', 'a</w>']],
    ['no rule leaves the symbols', ['x', 'y</w>'], ranks(['a', 'b']), ['x', 'y</w>']],
    ['a single symbol is already done', ['x</w>'], ranks(), ['x</w>']],
  ])('%s', (_name, symbols, rules, expected) => {
    expect(bpe(symbols, rules)).toEqual(expected);
  });
});
