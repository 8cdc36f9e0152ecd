// Fakes of the job service's side of the ports (src/bot/core implements the real ones). Job records
// go through a real Keyv, so a test sees exactly what survives storage and a restart.
import Keyv from 'keyv';
import type { JobRecord, MessageRef } from '../../../../src/commands/job-record.js';
import type {
  AdminControls,
  JobRecordReader,
  LimitsView,
  QueueSnapshot,
  QueueView,
  UserKey,
} from '../../../../src/commands/ports.js';

export class KeyvJobRecords implements JobRecordReader {
  constructor(readonly keyv: Keyv = new Keyv()) {}

  async put(record: JobRecord): Promise<void> {
    await this.keyv.set(`job:${record.jobId}`, record);
    for (const message of record.messages) await this.keyv.set(messageKey(message), record.jobId);
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    return (await this.keyv.get<JobRecord>(`job:${jobId}`)) ?? undefined;
  }

  async findByMessage(ref: MessageRef): Promise<JobRecord | undefined> {
    const jobId = await this.keyv.get<string>(messageKey(ref));
    return jobId === undefined ? undefined : this.get(jobId);
  }
}

function messageKey(ref: MessageRef): string {
  return `message:${ref.platform}:${ref.channelId}:${ref.messageId}`;
}

export class FakeQueue implements QueueView {
  snapshots = new Map<UserKey, QueueSnapshot>();
  fallback: QueueSnapshot = { running: 0, waiting: 0, paused: false, mine: [] };

  async snapshot(user: UserKey): Promise<QueueSnapshot> {
    return this.snapshots.get(user) ?? this.fallback;
  }
}

export class FakeLimits implements LimitsView {
  value = { images: 10, capacity: 10, refillMs: 0 };

  async remaining(): Promise<{ images: number; capacity: number; refillMs: number }> {
    return this.value;
  }
}

export class FakeAdmin implements AdminControls {
  paused = false;
  readonly banned = new Set<UserKey>();
  readonly cancelled: string[] = [];
  cancellable = new Set<string>();

  async pauseIntake(): Promise<void> {
    this.paused = true;
  }
  async resumeIntake(): Promise<void> {
    this.paused = false;
  }
  async ban(user: UserKey): Promise<void> {
    this.banned.add(user);
  }
  async unban(user: UserKey): Promise<void> {
    this.banned.delete(user);
  }
  async isBanned(user: UserKey): Promise<boolean> {
    return this.banned.has(user);
  }
  async cancel(jobId: string): Promise<boolean> {
    this.cancelled.push(jobId);
    return this.cancellable.delete(jobId);
  }
}
