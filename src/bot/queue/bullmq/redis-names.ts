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

/** Taken (SET NX) by whoever posts a job's ending, so the user sees it exactly once. */
export function deliveredKey(jobId: string): string {
  return `${KEY_PREFIX}:delivered:${jobId}`;
}

/** Queued and running jobs of one user, scored by their fairness round. */
export function pendingKey(user: string): string {
  return `${KEY_PREFIX}:pending:${user}`;
}

/** The highest round any worker has started: new jobs never go before it. */
export const SERVING_ROUND_KEY = `${KEY_PREFIX}:fair:serving`;

/** Jobs accepted and not yet ended, across every bot: id → model. */
export const OPEN_JOBS_KEY = `${KEY_PREFIX}:open-jobs`;

/** Counts jobs moved back to waiting after their worker was lost. */
export const STALL_COUNT_KEY = `${KEY_PREFIX}:stats:stalled`;

/** Worker hosts listen here for cancels of the jobs they run. */
export const CANCEL_CHANNEL = `${KEY_PREFIX}:cancel`;
