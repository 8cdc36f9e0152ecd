// numpy's linspace/arange/round, reproduced exactly: diffusers builds its timestep grids with them,
// and a half-way value rounds to even there (812.5 → 812), not up as Math.round does.

/** numpy.round: nearest integer, ties to even. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** numpy.linspace(start, stop, count, endpoint). */
export function linspace(start: number, stop: number, count: number, endpoint = true): number[] {
  const divisions = endpoint ? count - 1 : count;
  const step = divisions > 0 ? (stop - start) / divisions : 0;
  const values = Array.from({ length: count }, (_, i) => i * step + start);
  if (endpoint && count > 1) values[count - 1] = stop;
  return values;
}

/**
 * `count` values start, start + step, … as numpy.arange computes them (it steps by the rounded
 * (start + step) − start, which decides ties such as 937.5 for 48 trailing steps), but with the
 * length given: numpy's float length can come out one too long.
 */
export function arange(start: number, step: number, count: number): number[] {
  const delta = start + step - start;
  return Array.from({ length: count }, (_, i) => (i === 1 ? start + step : start + i * delta));
}
