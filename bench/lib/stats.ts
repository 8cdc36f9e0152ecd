// Small statistics for benchmark reports.

/** Nearest-rank percentile (p in 0..100) of the values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Rounds to a fixed number of decimals for readable JSON. */
export function round(value: number, decimals = 2): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Median and range of one figure over repeated runs. */
export function spread(values: readonly number[], decimals = 3): { median: number; min: number; max: number } {
  return { median: round(median(values), decimals), min: round(Math.min(...values), decimals), max: round(Math.max(...values), decimals) };
}
