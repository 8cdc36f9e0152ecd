// Interactions the fake has dispatched: their tokens, their acknowledgement and their @original.
import type { UserJson } from './discord-json.js';

export interface InteractionCallbackRecord {
  readonly type: number;
  readonly at: number;
  readonly data: Record<string, unknown> | undefined;
}

export interface InteractionRecord {
  readonly id: string;
  readonly token: string;
  readonly type: number;
  readonly channelId: string;
  readonly guildId: string | undefined;
  readonly user: UserJson;
  readonly createdAt: number;
  /** The message a button was on. */
  readonly sourceMessageId: string | undefined;
  callback: InteractionCallbackRecord | undefined;
  originalMessageId: string | undefined;
}

export class InteractionRegistry {
  private readonly byToken = new Map<string, InteractionRecord>();
  private readonly byId = new Map<string, InteractionRecord>();

  add(record: InteractionRecord): void {
    this.byToken.set(record.token, record);
    this.byId.set(record.id, record);
  }

  withToken(token: string): InteractionRecord | undefined {
    return this.byToken.get(token);
  }

  withId(id: string): InteractionRecord | undefined {
    return this.byId.get(id);
  }
}
