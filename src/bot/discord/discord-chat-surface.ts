// One job's (or one command's) Discord message: the deferred interaction reply, moving to a
// channel message before the token expires, edited by the JobPresenter. The final message is
// retried on 5xx and 429; a missing permission is told to the requester once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageRef } from '../../commands/job-record.js';
import { PREVIEW_FILENAME } from '../../commands/replies.js';
import type { Reply } from '../../commands/reply.js';
import type { ChatSurface, SurfaceFailure } from '../core/chat-surface.js';
import type { Logger } from '../core/logger.js';
import { classifyDiscordFailure } from './discord-failure.js';
import type { DiscordJobMessage } from './job-message.js';
import { renderReply } from './render-reply.js';
import type { ResultFilesOptions } from './result-files.js';

const DEFAULT_RETRY_BASE_DELAY_MS = 1000;

export interface DiscordChatSurfaceOptions {
  /** Tries for the final message when Discord answers 5xx or 429. */
  readonly deliveryAttempts: number;
  /** First wait between delivery tries; doubles each time. */
  readonly retryBaseDelayMs?: number;
  readonly files: ResultFilesOptions;
  readonly logger: Logger;
  /** Added to every log line (user, channel, job). */
  readonly logContext: Readonly<Record<string, unknown>>;
  /** Tells the requester which permission the bot lacks (and logs it). */
  readonly reportMissingPermissions: (error: unknown) => Promise<void>;
  /** Nothing to show: drop the placeholder (a deferred reply) if there is one. */
  readonly dismiss: () => Promise<void>;
}

export class DiscordChatSurface implements ChatSurface {
  readonly canSpoil = true;
  private permissionsReported = false;

  constructor(
    private readonly message: DiscordJobMessage,
    private readonly options: DiscordChatSurfaceOptions,
  ) {}

  get messageRef(): MessageRef | undefined {
    return this.message.ref;
  }

  get refreshDueAt(): number | undefined {
    return this.message.switchDueAt;
  }

  async acknowledge(ack: Reply): Promise<void> {
    await this.show(ack);
  }

  async show(reply: Reply): Promise<void> {
    try {
      await this.message.show(await renderReply(reply, this.options.files));
    } catch (error) {
      if (classifyDiscordFailure(error) === 'missing_permissions') await this.reportMissingPermissions(error);
      throw error;
    }
  }

  async deliver(reply: Reply): Promise<readonly MessageRef[]> {
    const ref = await this.finalMessage(reply);
    return ref === undefined ? [] : [ref];
  }

  async fail(reply: Reply): Promise<void> {
    await this.finalMessage(reply);
  }

  async reply(reply: Reply): Promise<void> {
    await this.finalMessage(reply);
  }

  showsResult(): Promise<boolean> {
    return this.message.showsFilesBesides(PREVIEW_FILENAME);
  }

  dismiss(): Promise<void> {
    return this.options.dismiss();
  }

  classify(error: unknown): SurfaceFailure {
    // discord.js waits out rate limits itself (the wait counts as in flight), so there is no Retry-After to honour here.
    return { gone: classifyDiscordFailure(error) === 'message_gone' };
  }

  /** Shows a last state with retries. Ephemeral replies go to the requester alone; returns the message when public. */
  private async finalMessage(reply: Reply): Promise<MessageRef | undefined> {
    const content = await renderReply(reply, this.options.files);
    const baseDelay = this.options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
    for (let tries = 1; ; tries += 1) {
      try {
        if (!reply.ephemeral) return await this.message.show(content);
        await this.message.showPrivately(content);
        return undefined;
      } catch (error) {
        const kind = classifyDiscordFailure(error);
        if (kind === 'retryable' && tries < this.options.deliveryAttempts) {
          this.log('warn', error, `final message failed (try ${tries} of ${this.options.deliveryAttempts}); retrying`);
          await sleep(baseDelay * 2 ** (tries - 1));
          continue;
        }
        if (kind === 'missing_permissions') await this.reportMissingPermissions(error);
        else if (kind !== 'message_gone') this.log('error', error, 'could not deliver the final message');
        return undefined;
      }
    }
  }

  private async reportMissingPermissions(error: unknown): Promise<void> {
    if (this.permissionsReported) return;
    this.permissionsReported = true;
    await this.options.reportMissingPermissions(error).catch((reportError: unknown) => this.log('warn', reportError, 'could not report missing permissions'));
  }

  private log(level: 'warn' | 'error', error: unknown, text: string): void {
    this.options.logger[level]({ ...this.options.logContext, err: error }, text);
  }
}
