// Saves the channel a moment after it changes (previews excluded: they are large and stale by
// then), and brings a saved channel back, marking jobs a crash left unfinished as interrupted.
import { resultButtons } from '../../commands/result-buttons.js';
import { REROLL_EMOJI } from '../../commands/reactions.js';
import { errorReply } from '../../commands/replies.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { Logger } from '../core/logger.js';
import type { ChannelHistoryStore } from './channel-history-store.js';
import type { PlaygroundChannel } from './playground-channel.js';
import { renderButtonRows } from './render-reply.js';
import type { WireMessage } from './wire-protocol.js';

/** Progress edits come twice a second; saving once a second keeps up without rewriting per edit. */
export const DEFAULT_SAVE_DELAY_MS = 1_000;

export interface ChannelSaver {
  /** Stops watching the channel and writes any change not yet saved; used on shutdown. */
  close(): Promise<void>;
}

export function saveChannelOnChange(
  channel: PlaygroundChannel,
  store: ChannelHistoryStore,
  options: { readonly logger: Logger; readonly delayMs?: number },
): ChannelSaver {
  const delayMs = options.delayMs ?? DEFAULT_SAVE_DELAY_MS;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const write = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const snapshot = channel.all().map(withoutPreview);
    // One write at a time, in order, so an older snapshot never lands after a newer one.
    writing = writing
      .then(() => store.save(snapshot))
      .catch((error: unknown) => options.logger.warn({ err: error }, 'playground: could not save the channel'));
    return writing;
  };
  const unsubscribe = channel.subscribe(() => {
    timer ??= setTimeout(() => void write(), delayMs);
  });
  return {
    close: () => {
      unsubscribe();
      return timer === undefined ? writing : write();
    },
  };
}

/**
 * A saved channel as it should look after a restart. Unfinished jobs are marked interrupted,
 * except those in `mayResume`, which stay pending until the job service says whether they resumed.
 */
export function reviveMessages(saved: readonly WireMessage[], mayResume: ReadonlySet<string> = new Set()): WireMessage[] {
  return saved.map((message) => {
    if (message.tone !== 'pending') return message;
    return message.jobId !== undefined && mayResume.has(message.jobId) ? withoutPreview(message) : interrupted(message);
  });
}

/** A job the restart cut off: say so, and offer to run it again from its stored record. */
function interrupted(message: WireMessage): WireMessage {
  const jobId = message.jobId;
  const reply = errorReply(new UserFacingError('interrupted', '', jobId === undefined ? {} : { jobId }));
  const firstLine = message.text.split('\n')[0] ?? '';
  return {
    ...withoutPreview(message),
    text: [firstLine, reply.text].filter((line) => line !== '').join('\n'),
    tone: 'error',
    buttonRows: jobId === undefined ? [] : renderButtonRows(resultButtons(jobId, 'imagine', 0)),
    reactionControls: jobId === undefined ? [] : [REROLL_EMOJI],
  };
}

function withoutPreview(message: WireMessage): WireMessage {
  if (message.preview === undefined) return message;
  const { preview: _preview, ...rest } = message;
  return rest;
}
