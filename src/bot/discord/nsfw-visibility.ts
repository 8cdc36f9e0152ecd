// Where a flagged image may appear: as usual in age-restricted channels and DMs, elsewhere as a
// spoiler or not at all, by config.
import type { NsfwPolicy } from './discord-config.js';

export type ImageVisibility = 'show' | 'spoiler' | 'withhold';

export function nsfwVisibility(flagged: boolean, ageRestrictedChannel: boolean, policy: NsfwPolicy): ImageVisibility {
  if (!flagged || ageRestrictedChannel) return 'show';
  return policy;
}
