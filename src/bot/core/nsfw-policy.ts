// Where an image the safety checker flagged may appear: as usual in age-restricted channels and
// DMs; elsewhere blurred as a spoiler or not at all, by config (NSFW_POLICY), on every platform.
export const NSFW_POLICIES = ['spoiler', 'withhold'] as const;
export type NsfwPolicy = (typeof NSFW_POLICIES)[number];

export type ImageVisibility = 'show' | 'spoiler' | 'withhold';

/** `canSpoil`: the platform can blur an image; where it cannot, a spoiler is withheld instead. */
export function nsfwVisibility(flagged: boolean, ageRestrictedChannel: boolean, policy: NsfwPolicy, canSpoil = true): ImageVisibility {
  if (!flagged || ageRestrictedChannel) return 'show';
  return policy === 'spoiler' && canSpoil ? 'spoiler' : 'withhold';
}
