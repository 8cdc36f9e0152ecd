// At start no job is running yet, so every stored record still `queued` or `running` was cut off
// by a crash or a restart. Those the job core cannot resume are marked interrupted, in the store
// and on every platform that shows them, so no message stays frozen at "Step 3/20".
import type Keyv from 'keyv';
import type { JobRecord } from '../../commands/job-record.js';
import type { ChatAdapter } from './chat-adapter.js';
import type { KeyvJobStore } from './job-store.js';
import type { Logger } from './logger.js';
import type { ConversationResumer } from './ports/conversation-resumer.js';
import type { ResumedJob } from './ports/job-queue.js';

const JOB_KEY_PREFIX = 'job:';

/** Records left `queued` or `running`; empty where the store cannot be listed. */
export async function findUnfinishedJobs(keyv: Keyv): Promise<JobRecord[]> {
  const iterate = keyv.iterator;
  if (iterate === undefined) return [];
  const found: JobRecord[] = [];
  for await (const [key, value] of iterate.call(keyv, undefined)) {
    if (typeof key !== 'string' || !key.startsWith(JOB_KEY_PREFIX) || !isRecord(value)) continue;
    if (value.status === 'queued' || value.status === 'running') found.push(value);
  }
  return found;
}

/** Marks `record` interrupted in the store, then on each adapter whose platform shows it. */
export interface MarkInterruptedDeps {
  readonly jobs: Pick<KeyvJobStore, 'update'>;
  readonly adapters: readonly Pick<ChatAdapter, 'platform' | 'markInterrupted'>[];
  readonly logger: Logger;
  readonly now?: () => number;
}

export async function markInterrupted(record: JobRecord, deps: MarkInterruptedDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const stored = await deps.jobs
    .update(record.jobId, (current) => ({
      ...current,
      status: 'interrupted',
      finishedAt: now(),
      error: { code: 'interrupted', message: 'cut off by a restart' },
    }))
    .catch((error: unknown) => {
      deps.logger.warn({ err: error, jobId: record.jobId }, 'could not mark a job interrupted in the store');
      return record;
    });
  const shown = stored ?? record;
  for (const adapter of deps.adapters) {
    if (!shown.messages.some((ref) => ref.platform === adapter.platform)) continue;
    await adapter.markInterrupted(shown).catch((error: unknown) => {
      deps.logger.warn({ err: error, jobId: record.jobId, platform: adapter.platform }, 'could not show that a job was interrupted');
    });
  }
}

function isRecord(value: unknown): value is JobRecord {
  return typeof value === 'object' && value !== null && 'jobId' in value && 'status' in value && 'messages' in value;
}

/**
 * The job core's word on what came back: of the records found unfinished at start, those the
 * queue did not resume are marked interrupted. It adopts no job itself.
 */
export class InterruptUnresumedJobs implements ConversationResumer {
  constructor(
    private readonly unfinished: readonly JobRecord[],
    private readonly deps: MarkInterruptedDeps,
  ) {}

  observerFor(): undefined {
    return undefined;
  }

  async afterResume(resumed: readonly ResumedJob[]): Promise<void> {
    const back = new Set(resumed.map((job) => job.jobId));
    for (const record of this.unfinished) {
      if (!back.has(record.jobId)) await markInterrupted(record, this.deps);
    }
  }
}
