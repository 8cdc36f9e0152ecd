// Opens the keyv store that holds limits, bans and job records: a SQLite file under the data
// directory by default, Redis when a URL is given. It fails closed: a file that cannot be read
// stops the bot at start, and a store that fails later refuses requests instead of reading a ban
// or a limit as absent.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { failClosed } from './fail-closed-store.js';
import type { Logger } from './logger.js';

export const STATE_FILE_NAME = 'imagine.sqlite';
/** Wait this long for a lock instead of failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** keyv drops an expired record only when it is read; the rest are swept this often. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60 * 60_000;
const PROBE_KEY = 'store-probe';

export interface StateStoreOptions {
  readonly dataDir: string;
  /** `REDIS_URL`; SQLite is used when absent. */
  readonly redisUrl?: string;
  readonly namespace?: string;
  readonly logger: Logger;
  /** How often expired records leave the SQLite file; DEFAULT_SWEEP_INTERVAL_MS when absent. */
  readonly sweepIntervalMs?: number;
}

/** The SQLite file is damaged: start refuses, with what to do about it. */
export class StateStoreUnreadable extends Error {
  override readonly name = 'StateStoreUnreadable';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(
      [
        `The state store ${file} cannot be read (${cause instanceof Error ? cause.message : String(cause)}).`,
        `Move it aside to start with an empty store: mv "${file}" "${file}.broken"`,
        'What is lost with it: bans, rate-limit buckets, user settings, the playground history, and the job records that let',
        'Re-roll, Variations and Upscale work on images made before (the images already posted stay where they are).',
      ].join('\n'),
      { cause },
    );
  }
}

export async function openStateStore(options: StateStoreOptions): Promise<Keyv> {
  const namespace = options.namespace ?? 'imagine';
  const logStoreError = (error: unknown): void => options.logger.error({ err: error }, 'state store error');
  if (options.redisUrl !== undefined && options.redisUrl !== '') {
    const redis = failClosed(new KeyvRedis(options.redisUrl, { throwOnErrors: true }), logStoreError);
    const keyv = new Keyv({ store: redis, namespace, throwOnErrors: true });
    keyv.on('error', logStoreError);
    return keyv;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, STATE_FILE_NAME);
  const sqlite = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
  // The connection's own failure is reported below, by the check.
  sqlite.on('error', () => undefined);
  await checkReadable(sqlite, file);
  const keyv = new Keyv({ store: failClosed(sqlite, logStoreError), namespace, throwOnErrors: true });
  keyv.on('error', logStoreError);
  sweepExpiredRecords(sqlite, keyv, options);
  return keyv;
}

/** Opens the file, checks every page and writes a probe; StateStoreUnreadable when any of it fails. */
async function checkReadable(sqlite: KeyvSqlite, file: string): Promise<void> {
  try {
    const rows = (await sqlite.query('PRAGMA quick_check')) as Array<Record<string, unknown>>;
    const problems = rows.map((row) => String(Object.values(row)[0])).filter((text) => text !== 'ok');
    if (problems.length > 0) throw new Error(`damaged: ${problems.slice(0, 3).join('; ')}`);
    await sqlite.set(PROBE_KEY, 'ok');
    if ((await sqlite.get(PROBE_KEY)) !== 'ok') throw new Error('a value written could not be read back');
    await sqlite.delete(PROBE_KEY);
  } catch (error) {
    await sqlite.disconnect().catch(() => undefined);
    throw new StateStoreUnreadable(file, error);
  }
}

/** Deletes expired records from the SQLite file now and then; keyv itself only drops what it reads. */
function sweepExpiredRecords(sqlite: KeyvSqlite, keyv: Keyv, options: StateStoreOptions): void {
  const sweep = (): void => {
    sqlite
      .query(`DELETE FROM keyv WHERE json_valid(value) AND json_extract(value, '$.expires') < ?`, Date.now())
      .catch((error: unknown) => options.logger.warn({ err: error }, 'state store: could not sweep expired records'));
  };
  const timer = setInterval(sweep, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  timer.unref();
  keyv.on('disconnect', () => clearInterval(timer));
}
