// The JobStore contract against every store the bot can run on: memory, SQLite and Redis (keyv).
import { afterAll, describe, it } from 'vitest';
import { KeyvJobStore } from '../../src/bot/core/job-store.js';
import { describeJobStoreContract } from './job-store.contract.js';
import { keyvBackends } from './keyv-backends.js';
import { REDIS_SKIP_REASON } from '../unit/bot/core/redis-server.js';

for (const backend of keyvBackends()) {
  if (!backend.available) {
    describe.skip(`JobStore contract: keyv ${backend.name}`, () => it(REDIS_SKIP_REASON, () => undefined));
    continue;
  }
  afterAll(() => backend.close());
  describeJobStoreContract(`keyv ${backend.name}`, {
    async open(options) {
      const { keyv, reopen } = await backend.open();
      return { store: new KeyvJobStore(keyv, options), reopen: () => new KeyvJobStore(reopen(), options) };
    },
  });
}
