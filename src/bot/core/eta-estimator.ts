// How long work takes, learned from recent jobs. Work is counted in units of one denoising step
// of one 512×512 image, so jobs of different sizes, counts and step numbers share one average.

export const DEFAULT_MS_PER_UNIT = 1_000;
const DEFAULT_WINDOW = 10;
const REFERENCE_PIXELS = 512 * 512;

export interface WorkShape {
  readonly steps: number;
  readonly count: number;
  readonly width: number;
  readonly height: number;
}

/** Work units of a job: steps × images × area relative to 512×512. */
export function workUnits(shape: WorkShape): number {
  return shape.steps * shape.count * ((shape.width * shape.height) / REFERENCE_PIXELS);
}

export interface EtaEstimatorOptions {
  /** Assumed until the first job finishes. */
  readonly defaultMsPerUnit?: number;
  /** How many recent jobs the average covers. */
  readonly window?: number;
}

export class EtaEstimator {
  private readonly samples: number[] = [];
  private readonly window: number;
  private readonly defaultMsPerUnit: number;

  constructor(options: EtaEstimatorOptions = {}) {
    this.window = options.window ?? DEFAULT_WINDOW;
    this.defaultMsPerUnit = options.defaultMsPerUnit ?? DEFAULT_MS_PER_UNIT;
  }

  /** A finished job: its work units and wall time from start to result. */
  record(units: number, ms: number): void {
    if (!(units > 0) || !(ms >= 0)) return;
    this.samples.push(ms / units);
    if (this.samples.length > this.window) this.samples.shift();
  }

  get msPerUnit(): number {
    if (this.samples.length === 0) return this.defaultMsPerUnit;
    return this.samples.reduce((sum, value) => sum + value, 0) / this.samples.length;
  }

  durationOf(units: number): number {
    return units * this.msPerUnit;
  }
}
