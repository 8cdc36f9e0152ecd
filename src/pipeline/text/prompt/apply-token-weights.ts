// Prompt weighting on the text encoder's output, as A1111 does it: scale each token's embedding by
// its weight, then rescale the whole chunk so its mean is what it was before, which keeps the
// overall magnitude the UNet was trained on.

function mean(values: Float32Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length === 0 ? 0 : sum / values.length;
}

/**
 * Weights one chunk of hidden states in place. `hidden` is [tokens, hiddenSize] row-major; pass a
 * `subarray` to weight one chunk of a batch.
 */
export function applyTokenWeights(
  hidden: Float32Array,
  weights: readonly number[],
  tokens: number,
  hiddenSize: number,
): void {
  if (weights.length !== tokens || hidden.length !== tokens * hiddenSize) {
    throw new RangeError(
      `expected ${tokens} weights and ${tokens}×${hiddenSize} values, got ${weights.length} weights and ${hidden.length} values`,
    );
  }
  // Unweighted prompts stay bit-identical to the encoder's output.
  if (weights.every((weight) => weight === 1)) return;

  const originalMean = mean(hidden);
  for (let token = 0; token < tokens; token++) {
    const weight = weights[token] ?? 1;
    const row = token * hiddenSize;
    for (let i = row; i < row + hiddenSize; i++) hidden[i] = (hidden[i] ?? 0) * weight;
  }
  const weightedMean = mean(hidden);
  // A zero mean (all weights 0, or a degenerate chunk) cannot be restored; A1111 would produce NaN.
  if (weightedMean === 0) return;
  const restore = originalMean / weightedMean;
  for (let i = 0; i < hidden.length; i++) hidden[i] = (hidden[i] ?? 0) * restore;
}
