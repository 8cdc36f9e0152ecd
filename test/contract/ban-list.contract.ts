// The BanList contract: bans hold per user and survive a restart. Run against every
// implementation (ban-list.contract.test.ts).
import { describe, expect, it } from 'vitest';
import type { BanList } from '../../src/bot/core/ports/ban-list.js';

export interface BanListSetup {
  /** A fresh list; `reopen` reads the same data, as a restarted bot would. */
  open(): Promise<{ readonly bans: BanList; reopen(): BanList }>;
}

export function describeBanListContract(name: string, setup: BanListSetup): void {
  describe(`BanList contract: ${name}`, () => {
    it('bans and unbans one user without touching another, and remembers across a restart', async () => {
      const { bans, reopen } = await setup.open();
      expect(await bans.isBanned('discord:mallory')).toBe(false);
      await bans.ban('discord:mallory');
      await bans.ban('discord:mallory');
      expect(await bans.isBanned('discord:mallory')).toBe(true);
      expect(await bans.isBanned('slack:mallory')).toBe(false);
      expect(await reopen().isBanned('discord:mallory')).toBe(true);
      await reopen().unban('discord:mallory');
      expect(await bans.isBanned('discord:mallory')).toBe(false);
      await bans.unban('discord:nobody');
    });
  });
}
