// Durable job records in keyv, findable by job id and by the platform message that shows them.
// This is what lets re-roll, Variations and Upscale work on a message from before a restart.
import KeyvRedis from '@keyv/redis';
import type Keyv from 'keyv';
import type { JobRecord, MessageRef } from '../../commands/job-record.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { DeliveryTurn, JobStore } from './ports/job-store.js';
import type { RedisScriptClient } from './redis-bucket-store.js';

export const DEFAULT_JOB_TTL_MS = 30 * 24 * 60 * 60_000;

export interface JobStoreOptions {
  /** How long a record (and its message index) lives after the job was created. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

const JOB_PREFIX = 'job:';
const MESSAGE_PREFIX = 'msg:';
/** The job's delivery mark: `tried` once a holder took a turn, `done` once the result is out. */
const DELIVERED_PREFIX = 'delivered:';
/** Who may post the result now, and until when (a lease that its holder renews). */
const LEASE_PREFIX = 'delivery-lease:';
const TRIED = 'tried';

// One step in Redis, so two bot processes never both hold a turn. KEYS: mark, lease.
// ARGV: holder, lease ms, mark ttl ms. Any mark other than `tried` (the older `1`) means done.
const TAKE_SCRIPT = `
local mark = redis.call('GET', KEYS[1])
if mark and mark ~= '${TRIED}' then return {'done', 0} end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return {'busy', redis.call('PTTL', KEYS[2])} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[1], '${TRIED}', 'PX', ARGV[3])
if mark then return {'again', 0} end
return {'first', 0}`;
const RENEW_SCRIPT = "if redis.call('GET', KEYS[2]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[2], ARGV[2]) end return 0";
const FINISH_SCRIPT = `
redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1`;

interface KeptLease {
  readonly holder: string;
  readonly until: number;
}

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

  async takeDelivery(jobId: string, holder: string, leaseMs: number): Promise<DeliveryTurn> {
    const redis = await this.redisClient();
    if (redis !== undefined) {
      const [turn, ttl] = (await redis.eval(TAKE_SCRIPT, { keys: this.deliveryKeys(jobId), arguments: [holder, String(leaseMs), String(this.ttlMs)] })) as [string, number];
      return turn === 'busy' ? { turn, retryInMs: Math.max(0, Number(ttl)) } : { turn: turn as 'first' | 'again' | 'done' };
    }
    // SQLite and memory serve one process: the per-job lock makes read-then-write one step.
    return this.mutex.run([DELIVERED_PREFIX + jobId], async () => {
      const mark = await this.keyv.get<unknown>(DELIVERED_PREFIX + jobId);
      if (mark !== undefined && mark !== TRIED) return { turn: 'done' };
      const lease = await this.keyv.get<KeptLease>(LEASE_PREFIX + jobId);
      if (lease !== undefined && lease.holder !== holder) return { turn: 'busy', retryInMs: Math.max(0, lease.until - Date.now()) };
      await this.keyv.set(LEASE_PREFIX + jobId, { holder, until: Date.now() + leaseMs }, leaseMs);
      await this.keyv.set(DELIVERED_PREFIX + jobId, TRIED, this.ttlMs);
      return { turn: mark === undefined ? 'first' : 'again' };
    });
  }

  async renewDelivery(jobId: string, holder: string, leaseMs: number): Promise<boolean> {
    const redis = await this.redisClient();
    if (redis !== undefined) return (await redis.eval(RENEW_SCRIPT, { keys: this.deliveryKeys(jobId), arguments: [holder, String(leaseMs)] })) === 1;
    return this.mutex.run([DELIVERED_PREFIX + jobId], async () => {
      if ((await this.keyv.get<KeptLease>(LEASE_PREFIX + jobId))?.holder !== holder) return false;
      await this.keyv.set(LEASE_PREFIX + jobId, { holder, until: Date.now() + leaseMs }, leaseMs);
      return true;
    });
  }

  async finishDelivery(jobId: string, holder: string): Promise<void> {
    const redis = await this.redisClient();
    if (redis !== undefined) {
      await redis.eval(FINISH_SCRIPT, { keys: this.deliveryKeys(jobId), arguments: [holder, String(this.ttlMs)] });
      return;
    }
    await this.mutex.run([DELIVERED_PREFIX + jobId], async () => {
      await this.keyv.set(DELIVERED_PREFIX + jobId, 'done', this.ttlMs);
      if ((await this.keyv.get<KeptLease>(LEASE_PREFIX + jobId))?.holder === holder) await this.keyv.delete(LEASE_PREFIX + jobId);
    });
  }

  /** The raw Redis client when keyv runs on Redis: its scripts make each delivery step atomic across processes. */
  private async redisClient(): Promise<RedisScriptClient | undefined> {
    const backend = this.keyv.store as unknown;
    return backend instanceof KeyvRedis ? ((await backend.getClient()) as unknown as RedisScriptClient) : undefined;
  }

  private deliveryKeys(jobId: string): string[] {
    const prefix = `${this.keyv.namespace ?? 'keyv'}:`;
    return [prefix + DELIVERED_PREFIX + jobId, prefix + LEASE_PREFIX + jobId];
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
