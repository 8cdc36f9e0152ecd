// The playground as one of the composition root's chat adapters: started and stopped like Discord
// and Slack, and told about jobs a restart cut off.
import type { JobRecord } from '../../commands/job-record.js';
import type { ChatAdapter } from '../core/chat-adapter.js';
import { startPlayground, type RunningPlayground, type StartPlaygroundOptions } from './start-playground.js';

export class PlaygroundChatAdapter implements ChatAdapter {
  readonly platform = 'playground';
  private running: RunningPlayground | undefined;

  constructor(private readonly options: StartPlaygroundOptions) {}

  /** The running playground (its URL, its channel), once started. */
  get playground(): RunningPlayground | undefined {
    return this.running;
  }

  async start(): Promise<void> {
    this.running = await startPlayground(this.options);
  }

  async stop(): Promise<void> {
    await this.running?.close();
  }

  async markInterrupted(record: JobRecord): Promise<void> {
    await this.running?.adapter.markInterrupted(record);
  }
}
