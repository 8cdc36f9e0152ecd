// Denoising steps per second over recent jobs, smoothed so one odd job does not swing the ETA.
const SMOOTHING = 0.3;
const MS_PER_SECOND = 1000;

export class StepsRate {
  private rate = 0;

  record(msPerStep: number): void {
    if (!(msPerStep > 0)) return;
    const sample = MS_PER_SECOND / msPerStep;
    this.rate = this.rate === 0 ? sample : this.rate + SMOOTHING * (sample - this.rate);
  }

  get perSecond(): number {
    return Math.round(this.rate * 100) / 100;
  }
}
