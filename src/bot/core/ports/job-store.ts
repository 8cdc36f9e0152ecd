// Durable job records, findable by job id and by the platform message that shows them. Memory,
// SQLite and Redis keyv stores implement it (test/contract/job-store.contract.ts).
import type { JobRecord, MessageRef } from '../../../commands/job-record.js';
import type { JobRecordReader } from '../../../commands/ports.js';

export interface JobStore extends JobRecordReader {
  /** How long a record lives after its job was created. */
  readonly ttl: number;
  /** Writes a new record (or replaces one) and indexes the messages it lists. */
  put(record: JobRecord): Promise<void>;
  /** Read-modify-write of one record, never interleaved with another change to it; undefined when unknown or expired. */
  update(jobId: string, change: (record: JobRecord) => JobRecord): Promise<JobRecord | undefined>;
  /** Records that `ref` shows this job, so reactions and buttons on it find the job later. */
  attachMessage(jobId: string, ref: MessageRef): Promise<JobRecord | undefined>;
  /**
   * Asks for the turn to post the job's one result. `holder` names the asking process; the turn
   * is a lease of `leaseMs` that the holder renews while it posts and ends with `finishDelivery`.
   * Across processes and restarts: `done` once finished, `busy` while another holder's lease runs,
   * `again` when an earlier holder's lease ran out unfinished (it may have posted: look first).
   */
  takeDelivery(jobId: string, holder: string, leaseMs: number): Promise<DeliveryTurn>;
  /** Extends the holder's lease; false when it is no longer the holder. */
  renewDelivery(jobId: string, holder: string, leaseMs: number): Promise<boolean>;
  /** The result is out (or shown already): every later `takeDelivery` answers `done`. */
  finishDelivery(jobId: string, holder: string): Promise<void>;
}

/** Where a job's result delivery stands for the process that asks to make it. */
export type DeliveryTurn =
  | { readonly turn: 'first' }
  | { readonly turn: 'again' }
  | { readonly turn: 'done' }
  | { readonly turn: 'busy'; readonly retryInMs: number };
