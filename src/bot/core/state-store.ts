// Opens the keyv store that holds limits, bans and job records: a SQLite file under the data
// directory by default, Redis when a URL is given.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import type { Logger } from './logger.js';

export const STATE_FILE_NAME = 'imagine.sqlite';
/** Wait this long for a lock instead of failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export interface StateStoreOptions {
  readonly dataDir: string;
  /** `REDIS_URL`; SQLite is used when absent. */
  readonly redisUrl?: string;
  readonly namespace?: string;
  readonly logger: Logger;
}

export function openStateStore(options: StateStoreOptions): Keyv {
  const namespace = options.namespace ?? 'imagine';
  let keyv: Keyv;
  if (options.redisUrl !== undefined && options.redisUrl !== '') {
    keyv = new Keyv({ store: new KeyvRedis(options.redisUrl, { throwOnErrors: true }), namespace });
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, STATE_FILE_NAME);
    keyv = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS }), namespace });
  }
  keyv.on('error', (error: unknown) => options.logger.error({ err: error }, 'state store error'));
  return keyv;
}
