// Who is who in the playground: its one channel, the bot's name, and a requester per tab name.
import type { Requester } from '../../commands/generate-request.js';
import type { MessageRef } from '../../commands/job-record.js';
import type { WireMessage } from './wire-protocol.js';

export const PLAYGROUND_CHANNEL_ID = 'playground';
export const BOT_AUTHOR: WireMessage['author'] = { kind: 'bot', name: 'imagine' };

/** Each name typed in a tab is its own user, so the fair queue and the limits can be watched. */
export function playgroundRequester(name: string): Requester {
  return {
    platform: 'playground',
    userId: name,
    userName: name,
    channelId: PLAYGROUND_CHANNEL_ID,
    // A local demo channel: flagged images stay hidden, as in an ordinary Discord channel.
    ageRestrictedChannel: false,
  };
}

/** How job records find a playground message (and so its job) after a restart. */
export function messageRef(messageId: string): MessageRef {
  return { platform: 'playground', channelId: PLAYGROUND_CHANNEL_ID, messageId };
}

export function isPlaygroundMessage(ref: MessageRef): boolean {
  return ref.platform === 'playground' && ref.channelId === PLAYGROUND_CHANNEL_ID;
}
