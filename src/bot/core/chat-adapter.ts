// A chat platform as the composition root sees it: started and stopped in a loop, and told about
// jobs that will never run again so their messages stop saying "queued" or "Step 3/20".
import type { Requester } from '../../commands/generate-request.js';
import type { JobRecord } from '../../commands/job-record.js';

export interface ChatAdapter {
  /** The platform whose messages this adapter shows (MessageRef.platform). */
  readonly platform: Requester['platform'];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The job of `record` will not run (a crash cut it off): its messages here say so, with Re-roll. */
  markInterrupted(record: JobRecord): Promise<void>;
}
