// The worker host's side of the distributed queue: one BullMQ Worker per model this host has, so
// it only ever takes jobs it can run. It hands each job to `generate`, streams progress through
// job.updateProgress (paced, see progress-reporter), parks the PNGs in Redis and returns where
// they are. Cancels arrive over pub/sub and abort the job's signal wherever it runs.
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { WorkerError } from '../../../pipeline/ipc/worker-error.js';
import type { GenerationParams, GenerationProgress, GenerationResult } from '../../../pipeline/types.js';
import type { Logger } from '../../core/logger.js';
import { QueueLedger } from './queue-ledger.js';
import { progressReporter } from './progress-reporter.js';
import { putResultImages } from './result-images.js';
import { CANCEL_CHANNEL, KEY_PREFIX, queueName } from './redis-names.js';
import { decodeParams, encodeFailure, encodeProgress, parseJobData } from './wire-job.js';
import type { WireJobData, WireResult } from './wire-job.js';

/** How long a worker's lock on a job lasts without renewal; a lost worker's job is retried after it. */
export const DEFAULT_LOCK_MS = 30_000;
/** One loss is retried on another worker; the second fails the job. */
const MAX_STALLED_COUNT = 1;

export interface ConsumedJob {
  readonly data: WireJobData;
  readonly params: GenerationParams;
  /** How often this job was already taken over from a lost worker. */
  readonly restarts: number;
}

export interface JobConsumerOptions {
  /** A connection with maxRetriesPerRequest: null, as BullMQ needs; the consumer duplicates it. */
  readonly connection: Redis;
  readonly models: readonly string[];
  readonly name: string;
  readonly concurrency: number;
  readonly lockMs?: number;
  readonly generate: (
    job: ConsumedJob,
    options: { signal: AbortSignal; onProgress: (progress: GenerationProgress) => void },
  ) => Promise<GenerationResult>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class JobConsumer {
  private readonly workers: Worker[];
  private readonly subscriber: Redis;
  private readonly running = new Set<string>();
  private readonly ledger: QueueLedger;

  private constructor(private readonly options: JobConsumerOptions) {
    this.ledger = new QueueLedger(options.connection);
    const lockDuration = options.lockMs ?? DEFAULT_LOCK_MS;
    this.workers = options.models.map((model) => {
      const worker = new Worker(queueName(model), (job, _token, signal) => this.process(job, signal), {
        connection: options.connection,
        prefix: KEY_PREFIX,
        concurrency: options.concurrency,
        lockDuration,
        stalledInterval: lockDuration,
        maxStalledCount: MAX_STALLED_COUNT,
        autorun: false,
      });
      worker.on('error', (error) => options.logger.warn({ err: error, model }, 'queue connection error'));
      worker.on('stalled', (jobId) => {
        options.logger.warn({ jobId, model }, 'took over a job from a lost worker');
        void Promise.all([this.ledger.countStall(), this.ledger.requeue(jobId)]).catch((error: unknown) =>
          options.logger.warn({ err: error, jobId }, 'could not put the job back in line'),
        );
      });
      return worker;
    });
    this.subscriber = options.connection.duplicate();
    this.subscriber.on('error', () => undefined); // reported once, by the main connection
  }

  static async start(options: JobConsumerOptions): Promise<JobConsumer> {
    const consumer = new JobConsumer(options);
    await consumer.subscriber.subscribe(CANCEL_CHANNEL);
    consumer.subscriber.on('message', (_channel: string, jobId: string) => consumer.cancel(jobId));
    for (const worker of consumer.workers) {
      void worker.run().catch((error: unknown) => options.logger.error({ err: error }, 'queue worker stopped'));
    }
    await Promise.all(consumer.workers.map((worker) => worker.waitUntilReady()));
    return consumer;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Takes no new jobs and waits for the running ones for at most `graceMs`. A job still running
   * then is left to its lock: another worker takes it over once the lock expires.
   */
  async close(graceMs: number): Promise<boolean> {
    const closing = Promise.all(this.workers.map((worker) => worker.close()));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      closing.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) await Promise.all(this.workers.map((worker) => worker.close(true)));
    this.subscriber.disconnect();
    return finished;
  }

  private cancel(jobId: string): void {
    for (const worker of this.workers) worker.cancelJob(jobId, 'cancelled');
  }

  private async process(job: Job, signal: AbortSignal | undefined): Promise<WireResult> {
    const { name, logger } = this.options;
    const now = this.options.now ?? Date.now;
    const data = parseJobData(job.data);
    this.running.add(data.jobId);
    await this.ledger.start(data.jobId, data.round).catch((error: unknown) => logger.warn({ err: error }, 'could not record the start'));
    // Paced and in order, never holding up the pipeline.
    const progress = progressReporter({
      write: (state) => job.updateProgress(encodeProgress(state, name, now())),
      onError: (error) => logger.warn({ err: error, jobId: data.jobId }, 'could not report progress'),
    });
    try {
      const result = await this.options.generate(
        { data, params: decodeParams(data.params), restarts: job.stalledCounter },
        { signal: signal ?? new AbortController().signal, onProgress: (state) => progress.report(state) },
      );
      await progress.flush();
      const keys = await putResultImages(this.options.connection, data.jobId, result.images.map((image) => image.png));
      return {
        images: result.images.map((image, index) => ({ seed: image.seed, width: image.width, height: image.height, nsfw: image.nsfw, key: keys[index] ?? '' })),
        timings: result.timings,
        truncatedWords: [...result.truncatedWords],
        model: result.model,
        worker: name,
      };
    } catch (error) {
      await progress.flush();
      if (WorkerError.is(error)) throw new Error(encodeFailure(error));
      logger.error({ err: error, jobId: data.jobId }, 'job failed unexpectedly');
      throw new Error(encodeFailure(new WorkerError('generation_failed', 'generation failed', data.jobId)));
    } finally {
      this.running.delete(data.jobId);
    }
  }
}
