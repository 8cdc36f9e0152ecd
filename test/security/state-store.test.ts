// Attacks on the state store by accident or malice: a SQLite file corrupted four ways must stop the
// bot at start (exit 2, a message naming the file and how to recover), and a store that fails while
// running must never read a ban or a limit as absent, nor tell an admin that a write worked.
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvBanList } from '../../src/bot/core/ban-list.js';
import { silentLogger } from '../../src/bot/core/logger.js';
import { KeyvRateLimiter } from '../../src/bot/core/rate-limiter.js';
import { openStateStore, STATE_FILE_NAME } from '../../src/bot/core/state-store.js';
import { adminCommand } from '../../src/commands/admin-command.js';
import { commandsConfigSchema } from '../../src/commands/config.js';
import { UserFacingError } from '../../src/commands/user-facing-error.js';
import { writeOracleModel } from '../fixtures/oracle/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE_SIZE = 4096;
const EXIT_CONFIG = 2;

type Corruption = (file: string) => Promise<void>;

const CORRUPTIONS: ReadonlyArray<readonly [string, Corruption]> = [
  ['truncated to half a page', async (file) => truncate(file, PAGE_SIZE / 2)],
  [
    'a garbage header',
    async (file) => {
      const handle = await open(file, 'r+');
      await handle.write(Buffer.from('this is not the sqlite header at all!'), 0, 37, 0);
      await handle.close();
    },
  ],
  [
    'a zeroed page',
    async (file) => {
      const handle = await open(file, 'r+');
      await handle.write(Buffer.alloc(PAGE_SIZE), 0, PAGE_SIZE, PAGE_SIZE);
      await handle.close();
    },
  ],
  [
    'overwritten with other data',
    async (file) => {
      const { size } = await stat(file);
      await writeFile(file, Buffer.alloc(size, '{"jobs":[]}\n'));
    },
  ],
];

let root: string;

/** A real store with a ban, buckets and job records in it, closed again. */
async function populatedStore(dataDir: string): Promise<string> {
  const keyv = await openStateStore({ dataDir, logger: silentLogger });
  const bans = new KeyvBanList(keyv);
  await bans.ban('discord:666');
  const limiter = KeyvRateLimiter.forKeyv(keyv, { perUser: { capacity: 4, windowMs: 60_000 } });
  for (let user = 0; user < 20; user++) await limiter.take({ user: `discord:${user}` }, 1);
  for (let index = 0; index < 20; index++) await keyv.set(`filler:${index}`, 'x'.repeat(500));
  await keyv.disconnect();
  return join(dataDir, STATE_FILE_NAME);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagine-state-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a corrupt state file at start', () => {
  it.each(CORRUPTIONS)('%s: refused, naming the file and how to recover', async (name, corrupt) => {
    const dataDir = join(root, name.replaceAll(' ', '-'));
    const file = await populatedStore(dataDir);
    await corrupt(file);
    const opened = openStateStore({ dataDir, logger: silentLogger });
    await expect(opened).rejects.toThrow(file);
    await expect(opened).rejects.toThrow(/move it aside/i);
    await expect(opened).rejects.toThrow(/bans/);
  });

  it('stops npm start with exit code 2', async () => {
    const dir = join(root, 'bot');
    await writeOracleModel(join(dir, 'models', 'oracle'));
    const file = await populatedStore(join(dir, 'data'));
    await CORRUPTIONS[1]?.[1](file);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/bot/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', MODELS_DIR: join(dir, 'models'), DATA_DIR: join(dir, 'data'), PLAYGROUND_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => {
      const giveUp = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (exitCode) => {
        clearTimeout(giveUp);
        resolve(exitCode);
      });
    });
    expect(code).toBe(EXIT_CONFIG);
    expect(stderr).toContain(file);
  });
});

describe('expired records', () => {
  it('are swept from the SQLite file on a schedule, not only when read', async () => {
    const keyv = await openStateStore({ dataDir: join(root, 'sweep'), logger: silentLogger, sweepIntervalMs: 100 });
    try {
      await keyv.set('job:old', { status: 'done' }, 50);
      await keyv.set('job:kept', { status: 'done' });
      const query = (keyv.store as { query: (sql: string, ...args: unknown[]) => Promise<Array<{ key: string }>> }).query;
      const keys = async () => (await query('SELECT key FROM keyv ORDER BY key')).map((row) => row.key);
      expect(await keys()).toEqual(['imagine:job:kept', 'imagine:job:old']);
      await expect.poll(keys, { timeout: 5_000, interval: 100 }).toEqual(['imagine:job:kept']);
    } finally {
      await keyv.disconnect();
    }
  });
});

describe('a store that fails while the bot runs', () => {
  let keyv: Keyv;
  let file: string;

  beforeAll(async () => {
    const dataDir = join(root, 'runtime');
    file = await populatedStore(dataDir);
    keyv = await openStateStore({ dataDir, logger: silentLogger });
    expect(await new KeyvBanList(keyv).isBanned('discord:666')).toBe(true);
    // The disk goes bad under the running bot.
    const bytes = await readFile(file);
    bytes.fill(0xff, 0, 100);
    await writeFile(file, bytes.subarray(0, PAGE_SIZE / 2));
  });

  afterAll(async () => {
    await keyv?.disconnect().catch(() => undefined);
  });

  it('never reads a ban as absent', async () => {
    await expect(new KeyvBanList(keyv).isBanned('discord:666')).rejects.toSatisfy(
      (error: unknown) => UserFacingError.is(error) && error.code === 'storage_unavailable',
    );
  });

  it('never reads a limit as a full bucket', async () => {
    const limiter = KeyvRateLimiter.forKeyv(keyv, { perUser: { capacity: 4, windowMs: 60_000 } });
    await expect(limiter.take({ user: 'discord:1' }, 1)).rejects.toSatisfy(
      (error: unknown) => UserFacingError.is(error) && error.code === 'storage_unavailable',
    );
  });

  it('tells an admin that a ban did not happen, in the words users see', async () => {
    const bans = new KeyvBanList(keyv);
    const reply = await adminCommand(
      {
        requester: { platform: 'discord', userId: 'admin', channelId: 'c', ageRestrictedChannel: false },
        command: 'admin',
        subcommand: 'ban',
        options: { user: 'discord:777' },
        attachments: [],
      },
      {
        config: commandsConfigSchema.parse({ models: { m: { kind: 'sd1' } }, defaultModel: 'm', adminUserKeys: ['discord:admin'] }),
        admin: {
          ban: (user) => bans.ban(user),
          unban: (user) => bans.unban(user),
          isBanned: (user) => bans.isBanned(user),
          pauseIntake: async () => undefined,
          resumeIntake: async () => undefined,
          cancel: async () => false,
        },
        queue: { snapshot: async () => ({ running: 0, waiting: 0, paused: false, mine: [] }) },
        limits: { remaining: async () => ({ images: 0, capacity: 0, refillMs: 0 }) },
      },
    );
    expect(reply.kind).toBe('error');
    expect(JSON.stringify(reply).toLowerCase()).toContain('storage unavailable, try again shortly');
  });
});
