import { describe, expect, it } from 'vitest';
import type { NsfwPolicy } from '../../../../src/bot/discord/discord-config.js';
import { nsfwVisibility, type ImageVisibility } from '../../../../src/bot/discord/nsfw-visibility.js';

describe('nsfwVisibility', () => {
  it.each<[boolean, boolean, NsfwPolicy, ImageVisibility]>([
    [false, false, 'withhold', 'show'],
    [true, true, 'withhold', 'show'],
    [true, true, 'spoiler', 'show'],
    [true, false, 'spoiler', 'spoiler'],
    [true, false, 'withhold', 'withhold'],
  ])('flagged=%s, age-restricted=%s, policy=%s → %s', (flagged, ageRestricted, policy, expected) => {
    expect(nsfwVisibility(flagged, ageRestricted, policy)).toBe(expected);
  });
});
