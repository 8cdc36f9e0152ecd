// A job that starts over on another worker says so on its message, even when the new run's first
// steps arrive within one edit interval: newest-only pacing must not hide the note.
import { describe, expect, it } from 'vitest';
import type { MessageRef } from '../../../../src/commands/job-record.js';
import { messages } from '../../../../src/commands/messages.js';
import type { Reply } from '../../../../src/commands/reply.js';
import type { ChatSurface } from '../../../../src/bot/core/chat-surface.js';
import { JobPresenter } from '../../../../src/bot/core/job-presenter.js';
import { silentLogger } from '../../../../src/bot/core/logger.js';

const EDIT_INTERVAL_MS = 200;

class RecordingSurface implements ChatSurface {
  readonly shown: string[] = [];
  readonly canSpoil = true;
  readonly messageRef: MessageRef = { platform: 'playground', channelId: 'c', messageId: 'm' };
  async acknowledge(): Promise<void> {}
  async show(reply: Reply): Promise<void> {
    this.shown.push(reply.text);
  }
  async deliver(): Promise<readonly MessageRef[]> {
    return [this.messageRef];
  }
  async fail(): Promise<void> {}
  async reply(): Promise<void> {}
  async dismiss(): Promise<void> {}
  classify(): { gone: boolean } {
    return { gone: false };
  }
}

describe('JobPresenter after a lost worker', () => {
  it('shows "Restarted on another worker" before the steps of the new run', async () => {
    const surface = new RecordingSurface();
    const presenter = new JobPresenter({
      surface,
      jobs: { attachMessage: async () => undefined, cancel: async () => undefined },
      editIntervalMs: EDIT_INTERVAL_MS,
      nsfwPolicy: 'spoiler',
      ageRestricted: false,
      logger: silentLogger,
    });
    await presenter.accept({ jobId: 'job', position: 0, etaMs: 0 });
    presenter.onStarted();
    presenter.onProgress(1, 20);
    // The worker is lost; the job starts again elsewhere and steps on at once.
    presenter.onRestarted(2, 'stalled');
    presenter.onStarted();
    for (let step = 1; step <= 5; step += 1) presenter.onProgress(step, 20);
    await new Promise((resolve) => setTimeout(resolve, EDIT_INTERVAL_MS * 4));
    presenter.onProgress(6, 20);
    await new Promise((resolve) => setTimeout(resolve, EDIT_INTERVAL_MS * 3));

    const note = messages.progress.restarted('stalled');
    const noteAt = surface.shown.findIndex((text) => text.includes(note));
    expect(noteAt).toBeGreaterThanOrEqual(0);
    // The new run's progress still follows the note.
    expect(surface.shown.slice(noteAt + 1).some((text) => text.includes('Step 6/20'))).toBe(true);
  });
});
