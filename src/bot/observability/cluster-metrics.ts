// With the Redis queue the work happens on worker hosts: the bot's metrics show what it sees of
// the cluster, read from Redis when Prometheus scrapes (one read serves every gauge of a scrape).
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { METRIC_PREFIX } from './create-metrics.js';

export interface ClusterState {
  /** Worker hosts with a live heartbeat. */
  readonly workers: number;
  readonly waitingByModel: Readonly<Record<string, number>>;
  /** Jobs taken over from a lost worker, since Redis was set up. */
  readonly stalledRetries: number;
}

/** Gauges within one scrape share one read. */
const READ_REUSE_MS = 1_000;

export function registerClusterMetrics(registry: Registry, read: () => Promise<ClusterState>): void {
  let last: { at: number; state: Promise<ClusterState> } | undefined;
  const current = (): Promise<ClusterState> => {
    if (last === undefined || Date.now() - last.at > READ_REUSE_MS) last = { at: Date.now(), state: read() };
    return last.state;
  };
  new Gauge({
    name: `${METRIC_PREFIX}workers`,
    help: 'Worker hosts with a live heartbeat in Redis',
    registers: [registry],
    async collect() {
      this.set((await current()).workers);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}waiting_jobs`,
    help: 'Jobs waiting for a worker, per model, over every bot sharing the queue',
    labelNames: ['model'],
    registers: [registry],
    async collect() {
      for (const [model, waiting] of Object.entries((await current()).waitingByModel)) this.set({ model }, waiting);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}stalled_retries`,
    help: 'Jobs run again on another worker after theirs was lost',
    registers: [registry],
    async collect() {
      this.set((await current()).stalledRetries);
    },
  });
}
