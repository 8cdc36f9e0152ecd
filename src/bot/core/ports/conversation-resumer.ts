// After a restart, a job kept by the queue has no observer: the adapter that took it is gone with
// the old process. Each chat adapter can build one back from the job record (platform, channel,
// the messages that show the job), so progress and the result reach the original conversation.
import type { JobRecord } from '../../../commands/job-record.js';
import type { JobObserver } from '../job-observer.js';
import type { ResumedJob } from './job-queue.js';

export interface ConversationResumer {
  /** An observer for a job taken before a restart, or undefined when this adapter cannot reach its conversation. */
  observerFor(record: JobRecord): JobObserver | undefined;
  /**
   * Called once at start with every job that resumed. Any other job this adapter showed as
   * unfinished before the restart is lost: say so on its message, with a way to run it again.
   */
  afterResume?(resumed: readonly ResumedJob[]): void | Promise<void>;
}
