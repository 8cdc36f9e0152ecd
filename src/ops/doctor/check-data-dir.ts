// The bot keeps its SQLite state (limits, job records) under DATA_DIR; it must be writable.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DoctorRow } from './doctor-row.js';

export async function checkDataDir(dataDir: string): Promise<DoctorRow> {
  const probe = join(dataDir, `.doctor-${randomUUID()}`);
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    return { check: 'data directory', status: 'ok', detail: `${dataDir} is writable` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return {
      check: 'data directory',
      status: 'fail',
      detail: `${dataDir} is not writable (${code}): give the bot's user write access or set DATA_DIR to a writable folder`,
    };
  }
}
