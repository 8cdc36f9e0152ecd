// Every Redis name the distributed queue uses, in one place, so the bot, the worker hosts and the
// doctor agree on them. BullMQ keys live under the same prefix.

export const KEY_PREFIX = 'imagine';

/** One BullMQ queue per model, so a worker host only takes jobs for the models it has. */
export function queueName(model: string): string {
  return `model.${model}`;
}

/** PNG bytes of one finished image, kept until the bot has stored them. */
export function resultKey(jobId: string, index: number): string {
  return `${KEY_PREFIX}:result:${jobId}:${index}`;
}

/** A worker host's heartbeat. */
export function workerKey(name: string): string {
  return `${KEY_PREFIX}:workers:${name}`;
}

export const WORKER_KEY_PATTERN = `${KEY_PREFIX}:workers:*`;

/** Queued and running jobs of one user, scored by their fairness round. */
export function pendingKey(user: string): string {
  return `${KEY_PREFIX}:pending:${user}`;
}

/** The ledger of open jobs that every bot and worker host shares (see queue-ledger.ts). */
export const LEDGER_KEYS = {
  /** Waiting jobs of every model in the order they start: round, then arrival. */
  waiting: `${KEY_PREFIX}:ledger:waiting`,
  /** Jobs a worker is running now. */
  running: `${KEY_PREFIX}:ledger:running`,
  /** Every accepted job not yet ended: id → JSON meta (user, model, cost, owner). */
  open: `${KEY_PREFIX}:ledger:open`,
  /** Id → its waiting score, to put a job back in its place when its worker is lost. */
  scores: `${KEY_PREFIX}:ledger:scores`,
  /** The highest round any worker has started: new jobs never go before it. */
  serving: `${KEY_PREFIX}:ledger:serving`,
  /** Arrival counter, for FIFO within a round. */
  sequence: `${KEY_PREFIX}:ledger:sequence`,
  /** Set while intake is paused by an admin, for every bot. */
  paused: `${KEY_PREFIX}:ledger:paused`,
  /** Jobs moved back to waiting after their worker was lost. */
  stalls: `${KEY_PREFIX}:stats:stalled`,
} as const;

/** Worker hosts listen here for cancels of the jobs they run. */
export const CANCEL_CHANNEL = `${KEY_PREFIX}:cancel`;
