// Follows the pipeline client's worker events and keeps the state /healthz reports:
// starting → ready, then restarting after a crash or hang, down once closed or given up on.
import { describeExit } from '../../pipeline/ipc/client.js';
import type { WorkerEvent } from '../../pipeline/ipc/client.js';
import type { HealthReport, WorkerState } from './health-report.js';

export interface WorkerHealthOptions {
  /** Told about each restart, e.g. `metrics.countWorkerRestart`. */
  readonly onRestart?: () => void;
  readonly now?: () => Date;
}

const STILL_LOADING = 'the worker is still loading its model';

export class WorkerHealth {
  private state: WorkerState = 'starting';
  private since: Date;
  private reason: string | undefined;
  private model: string | undefined;
  private provider: string | undefined;
  private restarts = 0;
  private workerPid: number | undefined;

  constructor(private readonly options: WorkerHealthOptions = {}) {
    this.since = this.now();
    this.reason = STILL_LOADING;
  }

  /** Pass as (or call from) the client's `onEvent`. */
  readonly handle = (event: WorkerEvent): void => {
    switch (event.type) {
      case 'ready':
        this.workerPid = event.pid;
        this.model = event.ready.models.find((entry) => entry.resident)?.name ?? this.model;
        this.provider = event.ready.provider;
        this.move('ready', undefined);
        return;
      case 'model-switch':
        this.model = event.to;
        return;
      case 'exit': {
        this.workerPid = undefined;
        if (this.state === 'down') return;
        if (event.exit.reason === 'closed') {
          this.move('down', 'the worker was stopped');
          return;
        }
        this.restarts++;
        this.options.onRestart?.();
        this.move('restarting', `the worker ${event.exit.reason === 'hung' ? 'stopped responding' : 'crashed'} (${describeExit(event.exit)}); a fresh one is starting`);
        return;
      }
      case 'unresponsive':
        if (this.state !== 'ready') return;
        this.move(
          'unresponsive',
          `the worker has not answered for ${Math.round(event.silentMs / 1000)} s; it is restarted if still silent after ${Math.round(event.timeoutMs / 1000)} s`,
        );
        return;
      case 'responsive':
        if (this.state === 'unresponsive') this.move('ready', undefined);
        return;
      case 'started':
      case 'worker-error':
      case 'invalid-message':
        return;
    }
  };

  /** The process id of the worker while one is up. */
  get pid(): number | undefined {
    return this.workerPid;
  }

  /** The worker will not come back (start-up failed for good, or the bot is shutting down). */
  markDown(reason: string): void {
    this.move('down', reason);
  }

  report(): HealthReport {
    return {
      state: this.state,
      since: this.since.toISOString(),
      workerRestarts: this.restarts,
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      ...(this.model !== undefined ? { model: this.model } : {}),
      ...(this.provider !== undefined ? { provider: this.provider } : {}),
    };
  }

  private move(state: WorkerState, reason: string | undefined): void {
    if (state !== this.state) this.since = this.now();
    this.state = state;
    this.reason = reason;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}
