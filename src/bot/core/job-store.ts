// Durable job records in keyv, findable by job id and by the platform message that shows them.
// This is what lets re-roll, Variations and Upscale work on a message from before a restart.
import type Keyv from 'keyv';
import type { JobRecord, MessageRef } from '../../commands/job-record.js';
import type { JobRecordReader } from '../../commands/ports.js';
import { KeyedMutex } from './keyed-mutex.js';

export const DEFAULT_JOB_TTL_MS = 30 * 24 * 60 * 60_000;

export interface JobStoreOptions {
  /** How long a record (and its message index) lives after the job was created. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

const JOB_PREFIX = 'job:';
const MESSAGE_PREFIX = 'msg:';

export class KeyvJobStore implements JobRecordReader {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly keyv: Keyv,
    options: JobStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_JOB_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  get ttl(): number {
    return this.ttlMs;
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    return this.keyv.get<JobRecord>(JOB_PREFIX + jobId);
  }

  async findByMessage(ref: MessageRef): Promise<JobRecord | undefined> {
    const jobId = await this.keyv.get<string>(messageKey(ref));
    return jobId === undefined ? undefined : this.get(jobId);
  }

  /** Writes a new record (or replaces one) and indexes the messages it lists. */
  async put(record: JobRecord): Promise<void> {
    await this.mutex.run([record.jobId], () => this.write(record));
  }

  /** Read-modify-write of one record; undefined when it is unknown or expired. */
  async update(jobId: string, change: (record: JobRecord) => JobRecord): Promise<JobRecord | undefined> {
    return this.mutex.run([jobId], async () => {
      const current = await this.get(jobId);
      if (current === undefined) return undefined;
      const next = change(current);
      await this.write(next);
      return next;
    });
  }

  /** Records that `ref` shows this job, so reactions and buttons on it find the job later. */
  attachMessage(jobId: string, ref: MessageRef): Promise<JobRecord | undefined> {
    return this.update(jobId, (record) =>
      record.messages.some((known) => sameMessage(known, ref)) ? record : { ...record, messages: [...record.messages, ref] },
    );
  }

  private async write(record: JobRecord): Promise<void> {
    // Expiry counts from creation, so updates do not keep old jobs alive forever.
    const ttl = record.createdAt + this.ttlMs - this.now();
    if (ttl <= 0) return;
    await this.keyv.set(JOB_PREFIX + record.jobId, record, ttl);
    await Promise.all(record.messages.map((ref) => this.keyv.set(messageKey(ref), record.jobId, ttl)));
  }
}

function messageKey(ref: MessageRef): string {
  return `${MESSAGE_PREFIX}${ref.platform}:${ref.channelId}:${ref.messageId}`;
}

function sameMessage(a: MessageRef, b: MessageRef): boolean {
  return a.platform === b.platform && a.channelId === b.channelId && a.messageId === b.messageId;
}
