// Human-readable sizes in decimal units, as the Hugging Face Hub shows them (1 GB = 10⁹ bytes).
const UNIT_STEP = 1000;
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;
const DECIMALS_BELOW_TEN = 2;
const DECIMALS_BELOW_HUNDRED = 1;
const TEN = 10;
const HUNDRED = 100;

export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= UNIT_STEP && unit < UNITS.length - 1) {
    value /= UNIT_STEP;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const decimals = value < TEN ? DECIMALS_BELOW_TEN : value < HUNDRED ? DECIMALS_BELOW_HUNDRED : 0;
  return `${value.toFixed(decimals)} ${UNITS[unit] ?? ''}`;
}
