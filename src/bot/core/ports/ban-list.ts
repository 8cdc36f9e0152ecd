// Users an admin has banned from generating (test/contract/ban-list.contract.ts).
import type { UserKey } from '../../../commands/ports.js';

export interface BanList {
  ban(user: UserKey): Promise<void>;
  unban(user: UserKey): Promise<void>;
  /** Whether the user is banned now. */
  isBanned(user: UserKey): Promise<boolean>;
}
