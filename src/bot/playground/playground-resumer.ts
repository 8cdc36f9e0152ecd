// After a restart, the jobs the queue kept come back to the playground messages that showed them:
// each gets a presenter on a surface bound to its old message, so progress and the result land
// there. Messages of jobs that did not come back are marked interrupted, with Re-roll.
import type { JobRecord } from '../../commands/job-record.js';
import { ackReply } from '../../commands/replies.js';
import type { JobObserver } from '../core/job-observer.js';
import type { JobLinks } from '../core/job-presenter.js';
import type { Logger } from '../core/logger.js';
import type { NsfwPolicy } from '../core/nsfw-policy.js';
import type { ConversationResumer } from '../core/ports/conversation-resumer.js';
import type { ResumedJob } from '../core/ports/job-queue.js';
import { resumedPresenter } from '../core/resumed-presenter.js';
import { reviveMessages } from './channel-persistence.js';
import { PlaygroundChatSurface, type SurfaceDeps } from './playground-chat-surface.js';
import { isPlaygroundMessage } from './playground-identity.js';

export interface ResumerDeps extends SurfaceDeps {
  readonly jobs: JobLinks;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  readonly nsfwPolicy?: NsfwPolicy;
}

export class PlaygroundResumer implements ConversationResumer {
  /**
   * `restoredPending`: ids of the messages that were unfinished when the channel was saved; they
   * stay pending until afterResume() says which of their jobs came back.
   */
  constructor(
    private readonly deps: ResumerDeps,
    private readonly restoredPending: readonly string[],
  ) {}

  observerFor(record: JobRecord): JobObserver | undefined {
    if (record.requester.platform !== 'playground') return undefined;
    const { channel } = this.deps;
    const shown = record.messages.filter(isPlaygroundMessage).map((ref) => channel.get(ref.messageId)).find((message) => message !== undefined);
    const surface = new PlaygroundChatSurface(this.deps, {
      requester: record.requester.userId,
      replyTo: shown?.replyTo ?? `${record.requester.userId}'s job, resumed after a restart`,
    });
    if (shown !== undefined) {
      surface.adopt(shown.id);
    } else {
      // The channel was saved before the job's message: show the job again in a new one.
      void surface.acknowledge(ackReply(record.request));
      const ref = surface.messageRef;
      if (ref !== undefined) channel.edit(ref.messageId, { jobId: record.jobId });
    }
    return resumedPresenter(record, surface, {
      jobs: this.deps.jobs,
      editIntervalMs: this.deps.editIntervalMs,
      nsfwPolicy: this.deps.nsfwPolicy ?? 'spoiler',
      logger: this.deps.logger,
      logContext: { jobId: record.jobId },
      ...(shown === undefined ? {} : { headline: shown.text.split('\n')[0] }),
    });
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
