// Users an admin has banned from generating (test/contract/ban-list.contract.ts).
import type { UserKey } from '../../../commands/ports.js';

export interface BanList {
  ban(user: UserKey): Promise<void>;
  unban(user: UserKey): Promise<void>;
  /** Rejects when the store cannot answer: a ban is never read as absent. */
  isBanned(user: UserKey): Promise<boolean>;
}
