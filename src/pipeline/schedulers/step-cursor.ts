// Where a scheduler is in its schedule. Steps advance by index, not by looking the timestep up,
// because rounded schedules can repeat a timestep (diffusers' `_step_index`).

/** A UNet that takes int64 sees the rounded timestep; the caller may pass that back. */
const TIMESTEP_TOLERANCE = 0.5;

export class StepCursor {
  private schedule: readonly number[] | undefined;
  private index = 0;

  constructor(private readonly owner: string) {}

  get timesteps(): readonly number[] {
    return this.schedule ?? [];
  }

  /** Index of the step the next `step` call performs. */
  get stepIndex(): number {
    return this.index;
  }

  reset(timesteps: readonly number[]): void {
    this.schedule = Object.freeze([...timesteps]);
    this.index = 0;
  }

  setBeginIndex(index: number): void {
    const schedule = this.require('setBeginIndex');
    if (!Number.isInteger(index) || index < 0 || index >= schedule.length) {
      throw new RangeError(`${this.owner}.setBeginIndex(): index must be an integer in [0, ${schedule.length - 1}], got ${index}`);
    }
    this.index = index;
  }

  /** The current step's index, after checking that `timestep` is the one it runs at. */
  current(timestep: number, method: string): number {
    const schedule = this.require(method);
    const expected = schedule[this.index];
    if (expected === undefined) {
      throw new Error(`${this.owner}.${method}(): all ${schedule.length} steps are done; call setTimesteps() for a new run`);
    }
    if (!(Math.abs(timestep - expected) <= TIMESTEP_TOLERANCE)) {
      throw new Error(
        `${this.owner}.${method}(): step ${this.index + 1} of ${schedule.length} runs at timestep ${expected}, got ${timestep}`,
      );
    }
    return this.index;
  }

  advance(): void {
    this.index += 1;
  }

  /** Index of `timestep` for addNoise: the current step when it matches, else the nearest match. */
  indexOf(timestep: number, method: string): number {
    const schedule = this.require(method);
    const current = schedule[this.index];
    if (current !== undefined && Math.abs(timestep - current) <= TIMESTEP_TOLERANCE) return this.index;
    // The first of the nearest entries: with repeated rounded timesteps that is the earliest step.
    const distances = schedule.map((t) => Math.abs(timestep - t));
    const nearest = distances.indexOf(Math.min(...distances));
    if (!((distances[nearest] ?? Infinity) <= TIMESTEP_TOLERANCE)) {
      throw new RangeError(`${this.owner}.${method}(): timestep ${timestep} is not one of the ${schedule.length} timesteps of this run`);
    }
    return nearest;
  }

  private require(method: string): readonly number[] {
    if (this.schedule === undefined) throw new Error(`${this.owner}.${method}() called before setTimesteps()`);
    return this.schedule;
  }
}
