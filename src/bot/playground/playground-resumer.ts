// After a restart, the jobs the queue kept come back to the playground messages that showed them:
// each gets a surface bound to its old message, so progress and the result land there. Messages
// of jobs that did not come back are marked interrupted, with Re-roll.
import type { JobRecord } from '../../commands/job-record.js';
import { ackReply } from '../../commands/replies.js';
import type { JobObserver } from '../core/job-observer.js';
import type { ConversationResumer } from '../core/ports/conversation-resumer.js';
import type { ResumedJob } from '../core/ports/job-queue.js';
import { reviveMessages } from './channel-persistence.js';
import { PlaygroundChatSurface } from './playground-chat-surface.js';
import type { SurfaceDeps } from './playground-chat-surface.js';
import { isPlaygroundMessage } from './playground-identity.js';

export class PlaygroundResumer implements ConversationResumer {
  /**
   * `restoredPending`: ids of the messages that were unfinished when the channel was saved; they
   * stay pending until afterResume() says which of their jobs came back.
   */
  constructor(
    private readonly deps: SurfaceDeps,
    private readonly restoredPending: readonly string[],
  ) {}

  observerFor(record: JobRecord): JobObserver | undefined {
    if (record.requester.platform !== 'playground') return undefined;
    const target = { ageRestricted: record.requester.ageRestrictedChannel };
    const shown = record.messages.filter(isPlaygroundMessage).map((ref) => this.deps.channel.get(ref.messageId)).find((message) => message !== undefined);
    if (shown !== undefined) {
      const surface = new PlaygroundChatSurface(this.deps, { ...target, replyTo: shown.replyTo ?? '' });
      surface.resume(shown.id, shown.text.split('\n')[0] ?? '', record.jobId);
      return surface;
    }
    // The channel was saved before the job's message: show the job again in a new one.
    const surface = new PlaygroundChatSurface(this.deps, { ...target, replyTo: `${record.requester.userId}'s job, resumed after a restart` });
    surface.acknowledge(ackReply(record.request));
    surface.showsJob(record.jobId);
    return surface;
  }

  afterResume(resumed: readonly ResumedJob[]): void {
    const back = new Set(resumed.map((job) => job.jobId));
    for (const messageId of this.restoredPending) {
      const message = this.deps.channel.get(messageId);
      if (message === undefined || message.tone !== 'pending') continue;
      if (message.jobId !== undefined && back.has(message.jobId)) continue;
      const [interrupted] = reviveMessages([message]);
      if (interrupted === undefined) continue;
      const { text, tone, buttonRows, reactionControls } = interrupted;
      this.deps.channel.edit(messageId, { text, tone, buttonRows, reactionControls, preview: undefined });
    }
  }
}
