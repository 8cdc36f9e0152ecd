// What the message of a job cut off by a crash or restart says: what was asked, that it was
// interrupted, and a Re-roll button that runs it again from the stored record.
import type { JobRecord } from '../../commands/job-record.js';
import { ackReply, errorReply } from '../../commands/replies.js';
import type { Reply } from '../../commands/reply.js';
import { resultButtons } from '../../commands/result-buttons.js';
import { UserFacingError } from '../../commands/user-facing-error.js';

export function interruptedReply(record: JobRecord): Reply {
  const reply = errorReply(new UserFacingError('interrupted', '', { jobId: record.jobId }));
  return { ...reply, title: ackReply(record.request).text, ephemeral: false, buttons: resultButtons(record.jobId, 'imagine', 0) };
}
