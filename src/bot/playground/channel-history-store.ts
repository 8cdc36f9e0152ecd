// Where the playground's channel is kept between starts, so results (and their buttons) are
// still there after a restart and a re-roll finds its job through the stored records.
import type Keyv from 'keyv';
import { z } from 'zod';
import type { WireMessage } from './wire-protocol.js';

export interface ChannelHistoryStore {
  load(): Promise<readonly WireMessage[]>;
  save(messages: readonly WireMessage[]): Promise<void>;
}

export const DEFAULT_HISTORY_KEY = 'playground:history';

// Our own data, but from an earlier version perhaps: check the shape, drop what does not fit.
const storedMessageSchema = z.looseObject({
  id: z.string(),
  author: z.object({ kind: z.enum(['user', 'bot']), name: z.string() }),
  text: z.string(),
  tone: z.enum(['normal', 'pending', 'error']),
  fields: z.array(z.object({ label: z.string(), value: z.string(), inline: z.boolean() })),
  images: z.array(z.looseObject({ path: z.string(), filename: z.string() })),
  buttonRows: z.array(z.array(z.looseObject({ id: z.string(), label: z.string(), style: z.string() }))),
  reactions: z.array(z.object({ emoji: z.string(), users: z.array(z.string()) })),
  reactionControls: z.array(z.string()),
  createdAt: z.number(),
});

export class KeyvChannelHistoryStore implements ChannelHistoryStore {
  constructor(
    private readonly keyv: Keyv,
    private readonly key: string = DEFAULT_HISTORY_KEY,
  ) {}

  async load(): Promise<readonly WireMessage[]> {
    const stored: unknown = await this.keyv.get(this.key);
    if (!Array.isArray(stored)) return [];
    return stored.filter((item) => storedMessageSchema.safeParse(item).success) as WireMessage[];
  }

  async save(messages: readonly WireMessage[]): Promise<void> {
    await this.keyv.set(this.key, messages);
  }
}
