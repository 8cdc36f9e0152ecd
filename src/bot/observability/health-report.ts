// What /healthz answers: the worker's state plus a few facts an operator checks first.

export const WORKER_STATES = ['downloading', 'starting', 'ready', 'unresponsive', 'restarting', 'down'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/** The first model's download, before any worker exists. */
export interface DownloadProgress {
  readonly model: string;
  readonly doneBytes: number;
  /** 0 until the file list is known. */
  readonly totalBytes: number;
  /** Whole percent, 0–100. */
  readonly percent: number;
}

export interface HealthReport {
  readonly state: WorkerState;
  /** While `downloading`. */
  readonly download?: DownloadProgress;
  /** Why the worker is not ready, when known (last exit, start-up failure). */
  readonly reason?: string;
  readonly model?: string;
  readonly provider?: string;
  readonly queueLength?: number;
  readonly workerRestarts?: number;
  /** When the state last changed, ISO 8601. */
  readonly since?: string;
  /** JOB_QUEUE=redis: worker hosts with a live heartbeat, waiting jobs per model, jobs retried after a stall. */
  readonly workers?: number;
  readonly waitingByModel?: Readonly<Record<string, number>>;
  readonly stalledRetries?: number;
}
