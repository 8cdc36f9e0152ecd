// Reactions that act on a result: 🔄 re-rolls, ❌ deletes. Discord reports the emoji itself, Slack
// its short name.
export type ReactionAction = 'reroll' | 'delete';

export const REROLL_EMOJI = '🔄';
export const DELETE_EMOJI = '❌';

const REACTIONS: Readonly<Record<string, ReactionAction>> = {
  [REROLL_EMOJI]: 'reroll',
  repeat: 'reroll',
  arrows_counterclockwise: 'reroll',
  [DELETE_EMOJI]: 'delete',
  x: 'delete',
};
// Emoji presentation selector (U+FE0F): some clients send it, some do not.
const VARIATION_SELECTOR = /\uFE0F/g;
const SHORT_NAME_COLONS = /^:|:$/g;

/** The action a reaction stands for; undefined for every other emoji. */
export function actionForReaction(emoji: string): ReactionAction | undefined {
  const key = emoji.replace(VARIATION_SELECTOR, '').replace(SHORT_NAME_COLONS, '').trim().toLowerCase();
  return Object.hasOwn(REACTIONS, key) ? REACTIONS[key] : undefined;
}
