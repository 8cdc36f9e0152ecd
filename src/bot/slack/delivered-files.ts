// Which Slack files hold each job's images, for this process's lifetime, so a delete by reaction
// removes the files too. (Delete buttons carry their file ids themselves and survive restarts.)

/** Enough for a busy day; the oldest entries go first. */
export const DEFAULT_MAX_JOBS = 2000;

export class DeliveredFiles {
  readonly #byJob = new Map<string, readonly string[]>();

  constructor(private readonly maxJobs = DEFAULT_MAX_JOBS) {}

  remember(jobId: string, fileIds: readonly string[]): void {
    this.#byJob.delete(jobId);
    this.#byJob.set(jobId, fileIds);
    for (const oldest of this.#byJob.keys()) {
      if (this.#byJob.size <= this.maxJobs) break;
      this.#byJob.delete(oldest);
    }
  }

  of(jobId: string): readonly string[] {
    return this.#byJob.get(jobId) ?? [];
  }
}
