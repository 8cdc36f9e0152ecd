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
   * Takes the job's one "delivered" mark: true for the first caller only, ever, across processes
   * and restarts. Taken before posting a result, so a job computed twice is posted once.
   */
  claimDelivery(jobId: string): Promise<boolean>;
}
