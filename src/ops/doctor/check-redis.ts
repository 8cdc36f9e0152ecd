// Redis is optional (SQLite under DATA_DIR otherwise); when REDIS_URL is set it must answer.
import type { DoctorRow } from './doctor-row.js';
import { pingRedis } from './redis-ping.js';

/** The URL without its password, for the table. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}

export async function checkRedis(redisUrl: string | undefined, dataDir: string): Promise<DoctorRow> {
  if (redisUrl === undefined) return { check: 'redis', status: 'off', detail: `REDIS_URL not set: state is kept in SQLite under ${dataDir}` };
  try {
    const ms = await pingRedis(redisUrl);
    return { check: 'redis', status: 'ok', detail: `${safeUrl(redisUrl)} answers PING (${ms} ms)` };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /NOAUTH|WRONGPASS|invalid password|AUTH/i.test(reason)
      ? 'put the right user and password in REDIS_URL (redis://user:password@host:6379)'
      : 'start Redis (docker compose --profile redis up -d) or unset REDIS_URL to use SQLite';
    return { check: 'redis', status: 'fail', detail: `${safeUrl(redisUrl)}: ${reason}; ${hint}` };
  }
}
