// The keyv stores every keyv-backed port is checked against: memory, a SQLite file, and Redis (a
// throwaway redis-server on a free port, when it is installed). Each `open` gives a fresh,
// empty namespace; `reopen` gives a second client on the same data, as a restarted bot would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { redisServerAvailable, startRedis } from '../unit/bot/core/redis-server.js';
import type { RunningRedis } from '../unit/bot/core/redis-server.js';

export interface KeyvBackend {
  readonly name: 'memory' | 'sqlite' | 'redis';
  /** False when the backend cannot run here (no redis-server): its suite is skipped. */
  readonly available: boolean;
  /** A fresh, empty store, and a way to reach the same data again from a new client. */
  open(): Promise<{ readonly keyv: Keyv; reopen(): Keyv }>;
  /** Closes every client opened and removes what the backend left behind. */
  close(): Promise<void>;
}

export function keyvBackends(): KeyvBackend[] {
  return [memoryBackend(), sqliteBackend(), redisBackend()];
}

function memoryBackend(): KeyvBackend {
  return {
    name: 'memory',
    available: true,
    async open() {
      const map = new Map();
      return { keyv: new Keyv({ store: map }), reopen: () => new Keyv({ store: map }) };
    },
    async close() {},
  };
}

function sqliteBackend(): KeyvBackend {
  let dir: string | undefined;
  let count = 0;
  const clients: Keyv[] = [];
  return {
    name: 'sqlite',
    available: true,
    async open() {
      dir ??= await mkdtemp(join(tmpdir(), 'imagine-contract-'));
      const uri = `sqlite://${join(dir, `store-${count++}.sqlite`)}`;
      const make = (): Keyv => {
        const keyv = new Keyv({ store: new KeyvSqlite({ uri, busyTimeout: 5_000 }), namespace: 'imagine' });
        clients.push(keyv);
        return keyv;
      };
      return { keyv: make(), reopen: make };
    },
    async close() {
      await Promise.all(clients.map((keyv) => keyv.disconnect().catch(() => undefined)));
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

function redisBackend(): KeyvBackend {
  let redis: RunningRedis | undefined;
  let count = 0;
  const clients: Keyv[] = [];
  return {
    name: 'redis',
    available: redisServerAvailable(),
    async open() {
      redis ??= await startRedis();
      const url = redis.url;
      const namespace = `contract-${count++}`;
      const make = (): Keyv => {
        const keyv = new Keyv({ store: new KeyvRedis(url, { throwOnErrors: true }), namespace });
        clients.push(keyv);
        return keyv;
      };
      return { keyv: make(), reopen: make };
    },
    async close() {
      await Promise.all(clients.map((keyv) => keyv.disconnect().catch(() => undefined)));
      await redis?.stop();
    },
  };
}
