// Byte-pair encoding by merge rank: repeatedly join the adjacent pair that merges.txt lists
// earliest, until no listed pair is left.

/** Key of a merge rule; symbols never contain a space because the byte map moves it elsewhere. */
export function mergeKey(left: string, right: string): string {
  return `${left} ${right}`;
}

/** Merges `symbols` (one word, `</w>` already on the last) into vocab tokens. */
export function bpe(symbols: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  let word = [...symbols];
  while (word.length > 1) {
    let bestRank = Number.POSITIVE_INFINITY;
    let bestAt = -1;
    for (let i = 0; i + 1 < word.length; i++) {
      const rank = ranks.get(mergeKey(word[i] ?? '', word[i + 1] ?? ''));
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        bestAt = i;
      }
    }
    if (bestAt < 0) break;

    const left = word[bestAt] ?? '';
    const right = word[bestAt + 1] ?? '';
    // Join every occurrence of the winning pair, left to right, in one pass.
    const merged: string[] = [];
    for (let i = 0; i < word.length; i++) {
      if (word[i] === left && word[i + 1] === right) {
        merged.push(left + right);
        i++;
      } else {
        merged.push(word[i] ?? '');
      }
    }
    word = merged;
  }
  return word;
}
