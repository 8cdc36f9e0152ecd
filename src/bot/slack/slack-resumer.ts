// After a restart, a Slack job kept by the queue goes on in the message that showed it: a
// presenter on a surface that adopts that message's ts, so progress and the result arrive by
// chat.update there, once. Private notes reach the requester as an ephemeral message (or a DM).
import type { JobRecord } from '../../commands/job-record.js';
import type { JobObserver } from '../core/job-observer.js';
import type { ConversationResumer } from '../core/ports/conversation-resumer.js';
import { resumedPresenter } from '../core/resumed-presenter.js';
import { notifyUser } from './notify-user.js';
import { SlackChatSurface } from './slack-chat-surface.js';
import type { SlackHandlerDeps } from './slack-target.js';

export class SlackResumer implements ConversationResumer {
  constructor(private readonly deps: SlackHandlerDeps) {}

  observerFor(record: JobRecord): JobObserver | undefined {
    if (record.requester.platform !== 'slack') return undefined;
    // The job's own message is the first one linked; later ones are its shared result files.
    const shown = record.messages.find((ref) => ref.platform === 'slack');
    if (shown === undefined) return undefined;
    const { client, logger } = this.deps;
    const requester = { channelId: shown.channelId, userId: record.requester.userId };
    const surface = new SlackChatSurface(this.deps.surface, {
      channelId: shown.channelId,
      requesterId: record.requester.userId,
      answer: (text) => notifyUser(client, logger, requester, text),
      announceAccepted: false,
    });
    surface.adopt(shown.messageId);
    const presenter = resumedPresenter(record, surface, {
      jobs: this.deps.jobs,
      editIntervalMs: this.deps.editIntervalMs,
      nsfwPolicy: this.deps.nsfwPolicy,
      logger,
      logContext: { jobId: record.jobId, user: record.requester.userId, channelId: shown.channelId, ts: shown.messageId },
    });
    this.deps.live.add(presenter, surface);
    return presenter;
  }
}
