import { describe, expect, it } from 'vitest';
import { AccessToken } from '../../../../src/bot/playground/access-token.js';

describe('AccessToken', () => {
  it('is new and URL-safe on every start', () => {
    const values = new Set(Array.from({ length: 20 }, () => AccessToken.generate().value));
    expect(values.size).toBe(20);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it.each([
    ['the same token', (token: string) => token, true],
    ['a missing token', () => undefined, false],
    ['an empty token', () => '', false],
    ['a prefix', (token: string) => token.slice(0, -1), false],
    ['one changed character', (token: string) => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, false],
    ['a longer token', (token: string) => `${token}x`, false],
  ])('accepts only itself: %s', (_label, candidate, accepted) => {
    const token = AccessToken.generate();
    expect(token.matches(candidate(token.value))).toBe(accepted);
  });
});
