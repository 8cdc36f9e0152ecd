// Removes a deleted result from Slack: its files (which takes their share messages with them) and
// the bot's messages. File ids come from the Delete button and from this process's memory.
import type { webApi } from '@slack/bolt';
import type { DeleteOutcome } from '../core/run-outcome.js';
import type { DeliveredFiles } from './delivered-files.js';
import type { SlackLogger } from './slack-logger.js';

export interface DeleteResultDeps {
  readonly client: webApi.WebClient;
  readonly logger: SlackLogger;
  readonly files: DeliveredFiles;
}

export async function deleteResult(deps: DeleteResultDeps, outcome: DeleteOutcome, carried: readonly string[]): Promise<void> {
  const fileIds = new Set([...carried, ...deps.files.of(outcome.jobId)]);
  for (const file of fileIds) {
    await deps.client.files.delete({ file }).catch((error: unknown) => {
      deps.logger.debug({ err: error, file }, 'slack: file already gone');
    });
  }
  for (const ref of outcome.messages) {
    if (ref.platform !== 'slack') continue;
    await deps.client.chat.delete({ channel: ref.channelId, ts: ref.messageId }).catch((error: unknown) => {
      deps.logger.debug({ err: error, ts: ref.messageId }, 'slack: message already gone');
    });
  }
}
