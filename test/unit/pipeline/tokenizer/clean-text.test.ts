import { describe, expect, it } from 'vitest';
import { cleanText } from '../../../../src/pipeline/text/tokenizer/clean-text.js';

describe('cleanText', () => {
  it.each([
    ['collapses and trims whitespace', '  a \t\n b  ', 'a b'],
    ['decodes Slack-style escapes', 'cats &amp; dogs &lt;3 &gt;', 'cats & dogs <3 >'],
    ['decodes twice, like CLIP', '&amp;lt;b&amp;gt;', '<b>'],
    ['decodes numeric entities', '&#39;hi&#x27; &#128049;', "'hi' 🐱"],
    ['turns &nbsp; into a plain space', 'a&nbsp;&nbsp;b', 'a b'],
    ['leaves unknown entities alone', '&copy; &constructor; & x', '&copy; &constructor; & x'],
    ['replaces invalid code points', '&#0;&#xD800;', '\ufffd\ufffd'],
    ['composes combining accents (NFC)', 'e\u0301', '\u00e9'],
    ['keeps case', 'Big CAT', 'Big CAT'],
  ])('%s', (_name, input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });
});
