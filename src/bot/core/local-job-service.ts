// A job service on the local queue (JOB_QUEUE=local), kept in the given keyv store: what the
// composition root builds by default, and what tests build around a pipeline client.
import type Keyv from 'keyv';
import { DEFAULT_MAX_PENDING_PER_USER, DEFAULT_MAX_QUEUE_LENGTH } from './fair-queue.js';
import type { FairQueueOptions } from './fair-queue.js';
import type { ImageGenerator } from './image-generator.js';
import { JobService } from './job-service.js';
import type { JobServiceOptions } from './job-service.js';
import { LocalJobQueue } from './local-job-queue.js';
import { QueueJournal } from './queue-journal.js';

export interface LocalJobServiceOptions extends Omit<JobServiceOptions, 'queue' | 'caps'> {
  readonly generator: ImageGenerator;
  /** Where the queue keeps its jobs (the state store). */
  readonly keyv: Keyv;
  readonly queue?: FairQueueOptions;
  /** Largest image the plain resize accepts, in pixels. */
  readonly maxInitPixels?: number;
}

export interface LocalJobService {
  readonly service: JobService;
  readonly queue: LocalJobQueue;
}

/** Builds the service on a local queue; call `service.start()` once the adapters have added their resumers. */
export function createLocalJobService(options: LocalJobServiceOptions): LocalJobService {
  const { generator, keyv, queue: fair = {}, maxInitPixels, ...rest } = options;
  // The caps are intake's, checked in the queue's add; the rest shapes the fair queue itself.
  const { maxLength, maxPendingPerUser, ...shape } = fair;
  const queue = new LocalJobQueue({
    generator,
    journal: new QueueJournal(keyv),
    queue: shape,
    ...(maxInitPixels === undefined ? {} : { maxInitPixels }),
    ...(rest.logger === undefined ? {} : { logger: rest.logger }),
  });
  const caps = { maxWaiting: maxLength ?? DEFAULT_MAX_QUEUE_LENGTH, maxPerUser: maxPendingPerUser ?? DEFAULT_MAX_PENDING_PER_USER };
  return { service: new JobService({ ...rest, queue, caps }), queue };
}
