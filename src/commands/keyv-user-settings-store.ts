// UserSettingsStore on any keyv backend (memory, SQLite, Redis), under its own key prefix so it can
// share a Keyv instance with the job records and the rate limiter.
import type Keyv from 'keyv';
import type { UserKey } from './ports.js';
import { parseStoredSettings, type UserSettings, type UserSettingsStore } from './user-settings.js';

export const DEFAULT_SETTINGS_NAMESPACE = 'user-settings';

export class KeyvUserSettingsStore implements UserSettingsStore {
  constructor(
    private readonly keyv: Keyv,
    private readonly namespace: string = DEFAULT_SETTINGS_NAMESPACE,
  ) {}

  async get(user: UserKey): Promise<UserSettings> {
    return parseStoredSettings(await this.keyv.get(this.key(user)));
  }

  async set(user: UserKey, settings: UserSettings): Promise<void> {
    const clean = parseStoredSettings(settings);
    if (Object.keys(clean).length === 0) {
      await this.clear(user);
      return;
    }
    await this.keyv.set(this.key(user), clean);
  }

  async clear(user: UserKey): Promise<void> {
    await this.keyv.delete(this.key(user));
  }

  private key(user: UserKey): string {
    return `${this.namespace}:${user}`;
  }
}
