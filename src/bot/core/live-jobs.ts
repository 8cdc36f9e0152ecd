// The jobs an adapter is showing right now, so a platform event (a deleted message) can reach the
// job's presenter, and shutdown or a test can wait until every last state is on screen.
import type { ChatSurface } from './chat-surface.js';
import type { JobPresenter } from './job-presenter.js';

interface LiveJob {
  readonly presenter: JobPresenter;
  readonly surface: ChatSurface;
}

export class LiveJobs {
  private readonly jobs = new Set<LiveJob>();

  add(presenter: JobPresenter, surface: ChatSurface): void {
    const job = { presenter, surface };
    this.jobs.add(job);
    void presenter.settled.then(() => this.jobs.delete(job));
  }

  /** The message `messageId` was deleted: the job it showed stops. */
  messageDeleted(messageId: string): void {
    for (const { presenter, surface } of [...this.jobs]) {
      if (surface.messageRef?.messageId === messageId) presenter.messageGone();
    }
  }

  /** Resolves when every job shown so far has its last state on screen. */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all([...this.jobs].map((job) => job.presenter.settled));
  }
}
