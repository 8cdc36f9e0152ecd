// The BanList contract on SQLite and Redis (keyv), the stores a bot keeps its bans in.
import { afterAll, describe, it } from 'vitest';
import { KeyvBanList } from '../../src/bot/core/ban-list.js';
import { describeBanListContract } from './ban-list.contract.js';
import { keyvBackends } from './keyv-backends.js';
import { REDIS_SKIP_REASON } from '../unit/bot/core/redis-server.js';

for (const backend of keyvBackends().filter((candidate) => candidate.name !== 'memory')) {
  if (!backend.available) {
    describe.skip(`BanList contract: keyv ${backend.name}`, () => it(REDIS_SKIP_REASON, () => undefined));
    continue;
  }
  afterAll(() => backend.close());
  describeBanListContract(`keyv ${backend.name}`, {
    async open() {
      const { keyv, reopen } = await backend.open();
      return { bans: new KeyvBanList(keyv), reopen: () => new KeyvBanList(reopen()) };
    },
  });
}
