// Users an admin has banned from generating, kept in keyv so bans survive a restart.
import type Keyv from 'keyv';
import type { UserKey } from '../../commands/ports.js';
import type { BanList } from './ports/ban-list.js';

const BAN_PREFIX = 'ban:';

export class KeyvBanList implements BanList {
  constructor(private readonly keyv: Keyv) {}

  async ban(user: UserKey): Promise<void> {
    await this.keyv.set(BAN_PREFIX + user, true);
  }

  async unban(user: UserKey): Promise<void> {
    await this.keyv.delete(BAN_PREFIX + user);
  }

  async isBanned(user: UserKey): Promise<boolean> {
    return (await this.keyv.get<boolean>(BAN_PREFIX + user)) === true;
  }
}
