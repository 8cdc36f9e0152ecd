// Durable job records in keyv, findable by job id and by the platform message that shows them.
// This is what lets re-roll, Variations and Upscale work on a message from before a restart.
import KeyvRedis from '@keyv/redis';
import type Keyv from 'keyv';
import type { JobRecord, MessageRef } from '../../commands/job-record.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { JobStore } from './ports/job-store.js';
import type { RedisScriptClient } from './redis-bucket-store.js';

export const DEFAULT_JOB_TTL_MS = 30 * 24 * 60 * 60_000;

export interface JobStoreOptions {
  /** How long a record (and its message index) lives after the job was created. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

const JOB_PREFIX = 'job:';
const MESSAGE_PREFIX = 'msg:';
const DELIVERED_PREFIX = 'delivered:';
/** SET NX in one step, so two bot processes never both take a job's delivered mark. */
const CLAIM_SCRIPT = "return redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) and 1 or 0";

export class KeyvJobStore implements JobStore {
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

  async claimDelivery(jobId: string): Promise<boolean> {
    const key = DELIVERED_PREFIX + jobId;
    const backend = this.keyv.store as unknown;
    if (backend instanceof KeyvRedis) {
      const client = (await backend.getClient()) as unknown as RedisScriptClient;
      const fullKey = `${this.keyv.namespace ?? 'keyv'}:${key}`;
      return (await client.eval(CLAIM_SCRIPT, { keys: [fullKey], arguments: [String(this.ttlMs)] })) === 1;
    }
    // SQLite and memory serve one process: the per-key lock makes read-then-write one step.
    return this.mutex.run([key], async () => {
      if ((await this.keyv.get<boolean>(key)) === true) return false;
      await this.keyv.set(key, true, this.ttlMs);
      return true;
    });
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
