// What the local queue keeps in the state store so its jobs outlive the process: the line (job
// ids, rounds, attempts, which were running) under one key, and each job's work under its own
// key, written once. After a crash the queue reads both back and puts the jobs in line again.
import type Keyv from 'keyv';
import type { UserKey } from '../../commands/ports.js';
import type { JobWork, QueueJob } from './ports/job-queue.js';

export interface KeptJob {
  readonly job: QueueJob;
  readonly round: number;
  /** 1 for the first run; each run cut off by a restart adds one. */
  readonly attempt: number;
  /** It had started when this was written. */
  readonly running: boolean;
}

interface LineEntry {
  readonly jobId: string;
  readonly round: number;
  readonly attempt: number;
  readonly running: boolean;
}

/** The work as JSON: bytes as base64, so every keyv store keeps them the same way. */
type StoredWork =
  | { readonly kind: 'generate'; readonly job: Omit<Extract<JobWork, { kind: 'generate' }>['job'], 'params'> & { readonly params: StoredParams } }
  | (Omit<Extract<JobWork, { kind: 'resize' }>, 'image'> & { readonly image: string });

type GenerationParams = Extract<JobWork, { kind: 'generate' }>['job']['params'];
type StoredParams = Omit<GenerationParams, 'init'> & { readonly init?: { readonly data: string; readonly strength: number } };

interface StoredJob {
  readonly jobId: string;
  readonly user: UserKey;
  readonly model: string;
  readonly cost: number;
  readonly work: StoredWork;
}

export class QueueJournal {
  private line: LineEntry[] = [];
  /** Writes, one at a time and in order, so an older line never lands after a newer one. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly keyv: Keyv,
    private readonly name = 'local',
  ) {}

  /** The kept jobs in the order they were added; forgets entries whose work is gone. */
  async load(): Promise<KeptJob[]> {
    this.line = (await this.keyv.get<LineEntry[]>(this.lineKey())) ?? [];
    const kept: KeptJob[] = [];
    for (const entry of this.line) {
      const stored = await this.keyv.get<StoredJob>(this.jobKey(entry.jobId));
      if (stored !== undefined) kept.push({ job: fromStored(stored), round: entry.round, attempt: entry.attempt, running: entry.running });
    }
    if (kept.length !== this.line.length) {
      const known = new Set(kept.map((job) => job.job.jobId));
      await this.changeLine((line) => line.filter((entry) => known.has(entry.jobId)));
    }
    return kept;
  }

  /** Keeps a job at the end of the line; jobs added one after another keep that order, however long each write takes. */
  add(job: QueueJob, round: number): Promise<void> {
    return this.serially(async () => {
      await this.keyv.set(this.jobKey(job.jobId), toStored(job));
      await this.writeLine([...this.line, { jobId: job.jobId, round, attempt: 1, running: false }]);
    });
  }

  /** Notes that a job started (or, after a restart, runs again as `attempt`). */
  markRunning(jobId: string, attempt: number): Promise<void> {
    return this.changeLine((line) => line.map((entry) => (entry.jobId === jobId ? { ...entry, attempt, running: true } : entry)));
  }

  async remove(jobId: string): Promise<void> {
    await this.changeLine((line) => line.filter((entry) => entry.jobId !== jobId));
    await this.keyv.delete(this.jobKey(jobId));
  }

  private changeLine(change: (line: LineEntry[]) => LineEntry[]): Promise<void> {
    return this.serially(() => this.writeLine(change(this.line)));
  }

  private async writeLine(line: LineEntry[]): Promise<void> {
    this.line = line;
    await this.keyv.set(this.lineKey(), line);
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const write = this.writes.then(work);
    // A failed write must not block the ones after it; the caller still hears about it.
    this.writes = write.catch(() => undefined);
    return write;
  }

  private lineKey(): string {
    return `queue:${this.name}:line`;
  }

  private jobKey(jobId: string): string {
    return `queue:${this.name}:job:${jobId}`;
  }
}

function toStored(job: QueueJob): StoredJob {
  const { work } = job;
  if (work.kind === 'resize') return { ...job, work: { ...work, image: base64(work.image) } };
  const { init, ...params } = work.job.params;
  const storedParams: StoredParams = init === undefined ? params : { ...params, init: { data: base64(init.data), strength: init.strength } };
  return { ...job, work: { kind: 'generate', job: { ...work.job, params: storedParams } } };
}

function fromStored(stored: StoredJob): QueueJob {
  const { work } = stored;
  if (work.kind === 'resize') return { ...stored, work: { ...work, image: bytes(work.image) } };
  const { init, ...params } = work.job.params;
  const restored: GenerationParams = init === undefined ? params : { ...params, init: { data: bytes(init.data), strength: init.strength } };
  return { ...stored, work: { kind: 'generate', job: { ...work.job, params: restored } } };
}

function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}
