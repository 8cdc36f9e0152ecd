// ScopeSettingsStore on any keyv backend, beside the user settings under its own key prefix.
import type Keyv from 'keyv';
import { parseStoredScopeSettings, type ScopeKey, type ScopeSettings, type ScopeSettingsStore } from './scope-settings.js';

export const DEFAULT_SCOPE_SETTINGS_NAMESPACE = 'scope-settings';

export class KeyvScopeSettingsStore implements ScopeSettingsStore {
  constructor(
    private readonly keyv: Keyv,
    private readonly namespace: string = DEFAULT_SCOPE_SETTINGS_NAMESPACE,
  ) {}

  async get(scope: ScopeKey): Promise<ScopeSettings> {
    return parseStoredScopeSettings(await this.keyv.get(this.key(scope)));
  }

  async set(scope: ScopeKey, settings: ScopeSettings): Promise<void> {
    const clean = parseStoredScopeSettings(settings);
    if (Object.keys(clean).length === 0) {
      await this.clear(scope);
      return;
    }
    await this.keyv.set(this.key(scope), clean);
  }

  async clear(scope: ScopeKey): Promise<void> {
    await this.keyv.delete(this.key(scope));
  }

  private key(scope: ScopeKey): string {
    return `${this.namespace}:${scope}`;
  }
}
