// Scale-out chaos, end to end: the real Discord adapter against the fake Discord, the job service
// on the Redis queue, and two `npm run worker` processes on an oracle model. One worker is
// SIGKILLed mid-job and Redis crashes and restarts (append-only file, as compose runs it). Every
// job must still reach its own interaction exactly once, with its seed and the oracle colour, and
// everyone's first job must start before anyone's third.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvBanList } from '../../../src/bot/core/ban-list.js';
import { FileImageStore } from '../../../src/bot/core/image-store.js';
import { JobService } from '../../../src/bot/core/job-service.js';
import { KeyvJobStore } from '../../../src/bot/core/job-store.js';
import { KeyvRateLimiter } from '../../../src/bot/core/rate-limiter.js';
import { openStateStore } from '../../../src/bot/core/state-store.js';
import { createDiscordBackend } from '../../../src/bot/discord/create-discord-backend.js';
import { DiscordBot } from '../../../src/bot/discord/discord-bot.js';
import type { DiscordConfig } from '../../../src/bot/discord/discord-config.js';
import { registerDiscordCommands } from '../../../src/bot/discord/register.js';
import { BullmqJobQueue } from '../../../src/bot/queue/bullmq/bullmq-job-queue.js';
import { parseCommandsConfig } from '../../../src/commands/config.js';
import type { JobRecord } from '../../../src/commands/job-record.js';
import { KeyvUserSettingsStore } from '../../../src/commands/keyv-user-settings-store.js';
import { commandSpecs } from '../../../src/commands/options.js';
import { tsxExecArgv } from '../../../src/pipeline/ipc/worker-process.js';
import { FakeDiscord } from '../fake-discord/fake-discord.js';
import type { SentInteraction } from '../fake-discord/fake-discord.js';
import { startOraclePipeline } from '../support/oracle-pipeline.js';
import type { OraclePipeline } from '../support/oracle-pipeline.js';
import { REDIS_SKIP_REASON, redisServerAvailable, startRedis } from '../../unit/bot/core/redis-server.js';
import type { RunningRedis } from '../../unit/bot/core/redis-server.js';
import { COLOUR_TOLERANCE, deliversResult, seedOf, shownSeeds } from './discord-harness.js';
import { largestDeviation, readResultImage } from './oracle-image.js';
import { RecordingLogger } from './recording-logger.js';

const available = redisServerAvailable();
if (!available) console.warn(REDIS_SKIP_REASON);

const WORKER_SCRIPT = new URL('../../../src/bot/worker-host/main.ts', import.meta.url);
const USERS = ['ann', 'bob', 'cid', 'dee'];
const JOBS_PER_USER = 3;
const STEPS = 8;
const LOCK_SECONDS = 2;
const ALL_DONE_MS = 90_000;

type WorkerProcess = ChildProcessByStdio<null, Readable, Readable>;

function startWorker(name: string, redisUrl: string, modelDir: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...tsxExecArgv(), WORKER_SCRIPT.pathname], {
    env: {
      PATH: process.env['PATH'] ?? '',
      REDIS_URL: redisUrl,
      MODELS: `oracle=${modelDir}`,
      WORKER_NAME: name,
      WORKER_LOCK_SECONDS: String(LOCK_SECONDS),
      ONNX_THREADS: '1',
      PREVIEW_EVERY: '2',
      AUTO_DOWNLOAD_MODEL: 'off',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('worker host is taking jobs')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code}: ${output}`)));
  });
}

function killed(child: WorkerProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe.skipIf(!available)('scale-out on Redis with two worker hosts', () => {
  let redis: RunningRedis;
  let admin: Redis;
  let fake: FakeDiscord;
  let oracle: OraclePipeline;
  let keyv: Keyv;
  let service: JobService;
  let bot: DiscordBot;
  const workers = new Map<string, WorkerProcess>();
  const logger = new RecordingLogger();
  const aofDir = mkdtempSync(join(tmpdir(), 'imagine-aof-'));

  beforeAll(async () => {
    redis = await startRedis({ aofDir });
    admin = new Redis(redis.url, { maxRetriesPerRequest: null });
    admin.on('error', () => undefined); // Redis goes away on purpose below
    oracle = await startOraclePipeline({ channels: 64, layers: 4, previewEvery: 2 });
    await oracle.client.close(); // only its folder and colours are needed: the workers compute
    for (const [name, child] of await Promise.all(['w1', 'w2'].map(async (name) => [name, await startWorker(name, redis.url, oracle.dir)] as const))) workers.set(name, child);

    fake = await FakeDiscord.start();
    keyv = await openStateStore({ dataDir: mkdtempSync(join(tmpdir(), 'imagine-data-')), redisUrl: redis.url, logger });
    const jobs = new KeyvJobStore(keyv);
    const images = await FileImageStore.open(mkdtempSync(join(tmpdir(), 'imagine-images-')));
    const config = parseCommandsConfig({ models: { oracle: { kind: 'sd1', defaultSteps: STEPS } }, defaultModel: 'oracle' });
    service = new JobService({
      queue: new BullmqJobQueue({ redisUrl: redis.url, owner: 'discord', models: ['oracle'], logger }),
      jobs,
      images,
      limiter: KeyvRateLimiter.forKeyv(keyv, { perUser: { capacity: 100, windowMs: 60_000 } }),
      bans: new KeyvBanList(keyv),
      caps: { maxWaiting: 50, maxPerUser: JOBS_PER_USER },
      models: ['oracle'],
      uploadId: () => FileImageStore.uploadId(),
      logger,
    });
    await service.start();
    const discordConfig: DiscordConfig = {
      token: fake.token,
      applicationId: fake.world.applicationId,
      apiBase: fake.apiBase,
      editIntervalMs: 250,
      tokenLifetimeMs: 15 * 60_000,
      tokenSwitchMarginMs: 0,
      deliveryAttempts: 4,
    };
    bot = new DiscordBot({
      config: discordConfig,
      backend: createDiscordBackend({ config, settings: new KeyvUserSettingsStore(keyv), jobs, queue: service, limits: service, admin: service }, service),
      logger,
    });
    await bot.start();
    await registerDiscordCommands({ config: discordConfig, specs: commandSpecs(config), guildId: fake.world.guild.id });
  }, 120_000);

  afterAll(async () => {
    await bot?.stop();
    await service?.shutdown(1_000);
    await Promise.all([...workers.values()].map(killed));
    await fake?.close();
    await keyv?.disconnect();
    admin?.disconnect();
    await redis?.stop();
  });

  it(
    'delivers every job exactly once, with its seed and colour, through a lost worker and a Redis crash, first rounds first',
    async () => {
      const people = USERS.map((username) => ({ ...fake.world.users.alice, id: `${Date.now()}${USERS.indexOf(username)}`, username, global_name: username }));
      const sent: Array<{ user: string; round: number; interaction: SentInteraction }> = [];
      for (let round = 1; round <= JOBS_PER_USER; round++) {
        for (const person of people) {
          const interaction = fake.slashCommand({ name: 'imagine', options: { prompt: `${person.username} picture ${round}`, seed: 1000 * round + sent.length }, user: person });
          sent.push({ user: person.username, round, interaction });
        }
      }

      // A worker dies mid-job: the worker of a running job that has done at most half its steps
      // (so it cannot finish between the look and the kill).
      const jobKeys = async (): Promise<string[]> => (await admin.keys('imagine:model.oracle:*')).filter((key) => /:[0-9a-f-]{36}$/.test(key));
      const midJob = async (): Promise<{ worker: string; jobKey: string } | undefined> => {
        for (const key of await jobKeys()) {
          const [progress, finishedOn] = await admin.hmget(key, 'progress', 'finishedOn');
          if (progress === null || progress === undefined || finishedOn !== null) continue;
          const { worker, step } = JSON.parse(progress) as { worker?: string; step?: number };
          if (worker !== undefined && step !== undefined && step >= 1 && step <= STEPS / 2) return { worker, jobKey: key };
        }
        return undefined;
      };
      let victim: { worker: string; jobKey: string } | undefined;
      for (let tries = 0; tries < 2_000 && victim === undefined; tries++) {
        victim = await midJob();
        if (victim === undefined) await sleep(5);
      }
      const lost = workers.get(victim?.worker ?? '');
      expect(lost).toBeDefined();
      if (lost !== undefined) await killed(lost);
      // Its job was cut off, not finished: the worker is gone and never wrote its end.
      expect(await admin.hget(victim?.jobKey ?? '', 'finishedOn')).toBeNull();
      const lostJobId = victim?.jobKey.split(':').pop() ?? '';

      // Then Redis crashes and comes back from its append-only file.
      await fake.waitForRequest((r) => deliversResult(r), { timeoutMs: ALL_DONE_MS });
      await redis.kill();
      redis = await startRedis({ port: redis.port, aofDir });

      for (const { interaction } of sent) {
        await fake.waitForRequest((r) => deliversResult(r) && r.path.includes(interaction.token), { timeoutMs: ALL_DONE_MS });
      }
      await sleep(1_000); // room for a second, wrong delivery to show up
      const records: Array<JobRecord | undefined> = [];
      for (const { interaction } of sent) {
        const deliveries = fake.requests.filter((r) => deliversResult(r) && r.path.includes(interaction.token));
        expect(deliveries).toHaveLength(1);
        const file = deliveries[0]?.files[0];
        const image = await readResultImage(file?.data ?? new Uint8Array());
        expect(image.seed).toBe(seedOf(file?.filename ?? ''));
        expect(shownSeeds(fake.message(interaction.record.originalMessageId ?? '')?.content)).toEqual([image.seed]);
        expect(largestDeviation(image, oracle.expectedColour(image))).toBeLessThanOrEqual(COLOUR_TOLERANCE);
        const record = await service.records.findByMessage({ platform: 'discord', channelId: interaction.record.channelId, messageId: interaction.record.originalMessageId ?? '' });
        records.push(record);
      }
      // The job on the lost worker ran again elsewhere, and its user was told so.
      expect(Number(await admin.get('imagine:stats:stalled'))).toBeGreaterThanOrEqual(1);
      const lostIndex = records.findIndex((record) => record?.jobId === lostJobId);
      expect(lostIndex).toBeGreaterThanOrEqual(0);
      const lostToken = sent[lostIndex]?.interaction.token ?? 'none';
      const notes = fake.requests.filter((r) => r.method === 'PATCH' && r.path.includes(lostToken)).map((r) => String((r.json as { content?: string } | undefined)?.content ?? ''));
      expect(notes.some((content) => content.includes('Restarted on another worker'))).toBe(true);
      // Fair order: every user's first job started before anyone's third, by the start time each
      // job record keeps (a message may skip its running states when a short job ends within one
      // edit interval, so Discord's edits cannot tell). The job that ran again after its worker was
      // lost keeps the time of its second start, so it is left out.
      const startedAt = (round: number) =>
        sent.flatMap((job, index) => (job.round === round && records[index]?.jobId !== lostJobId ? [records[index]?.startedAt ?? Number.NaN] : []));
      expect([...startedAt(1), ...startedAt(3)].every(Number.isFinite)).toBe(true);
      expect(Math.max(...startedAt(1))).toBeLessThan(Math.min(...startedAt(3)));
    },
    ALL_DONE_MS + 30_000,
  );
});
