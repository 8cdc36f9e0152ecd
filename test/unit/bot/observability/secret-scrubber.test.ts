import { describe, expect, it } from 'vitest';
import { createSecretScrubber, secretValuesFromEnv } from '../../../../src/bot/observability/secret-scrubber.js';

describe('secretValuesFromEnv', () => {
  it('takes the known secret variables and the password inside REDIS_URL', () => {
    const values = secretValuesFromEnv({
      DISCORD_TOKEN: ' discord-token-value ',
      HF_TOKEN: '',
      REDIS_URL: 'redis://:p%40ss-word@localhost:6379',
      PATH: '/usr/bin',
    });
    expect(values).toEqual(['discord-token-value', 'redis://:p%40ss-word@localhost:6379', 'p@ss-word']);
  });
});

describe('createSecretScrubber', () => {
  const cases: ReadonlyArray<{ name: string; secrets: string[]; input: string; expected: string }> = [
    { name: 'a plain value', secrets: ['correct-horse'], input: 'pw=correct-horse!', expected: 'pw=[Redacted]!' },
    { name: 'a JSON-escaped value', secrets: ['se"cret\\value'], input: JSON.stringify({ v: 'se"cret\\value' }), expected: '{"v":"[Redacted]"}' },
    { name: 'a URL-encoded value', secrets: ['p@ss word!'], input: 'redis://:p%40ss%20word!@h', expected: 'redis://:[Redacted]@h' },
    { name: 'a longer secret containing a shorter one', secrets: ['abcdef', 'abcdefghij'], input: 'x abcdefghij y', expected: 'x [Redacted] y' },
    { name: 'values too short to be told from text', secrets: ['abc'], input: 'abc abc', expected: 'abc abc' },
    { name: 'URL credentials of any scheme', secrets: [], input: 'https://bob:hunter22@example.org/x', expected: 'https://bob:[Redacted]@example.org/x' },
    { name: 'a URL without a password', secrets: [], input: 'redis://cache:6379/0', expected: 'redis://cache:6379/0' },
    { name: 'a Bearer header', secrets: [], input: 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz', expected: 'Authorization: Bearer [Redacted]' },
    { name: 'prose after Bot', secrets: [], input: 'Bot connected', expected: 'Bot connected' },
  ];

  it.each(cases)('masks $name', ({ secrets, input, expected }) => {
    expect(createSecretScrubber(secrets)(input)).toBe(expected);
  });
});
