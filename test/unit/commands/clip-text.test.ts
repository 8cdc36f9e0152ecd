import { describe, expect, it } from 'vitest';
import { clipText } from '../../../src/commands/clip-text.js';

describe('clipText', () => {
  it.each([
    { text: '', max: 5, expected: '' },
    { text: 'fox', max: 5, expected: 'fox' },
    { text: 'fives', max: 5, expected: 'fives' },
    { text: 'a red fox', max: 5, expected: 'a re…' },
    { text: 'ab', max: 1, expected: '…' },
  ])('clips $text to $max characters', ({ text, max, expected }) => {
    const clipped = clipText(text, max);
    expect(clipped).toBe(expected);
    expect(clipped.length).toBeLessThanOrEqual(max);
  });
});
