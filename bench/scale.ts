// npm run bench:scale — how the Redis queue scales over worker hosts. Runs 1, 2 and 4 fake worker
// hosts (`npm run worker` on the sleep-based fake pipeline, each its own process) on one
// redis-server, with the bot-side BullMQ queue in this process, and reports:
//   scaling[N].efficiency   throughput ÷ (N × one worker's throughput)          (target ≥ 0.9)
//   enqueueToStartMs        submit() → the bot hears the job started, idle queue (target p50 < 15 ms)
//   progressLatencyMs       worker's updateProgress → the bot hears it          (target p50 < 20 ms)
//   redisBytesPerQueuedJob  Redis memory per waiting job (BullMQ job + ledger)
// Flags: --jobs-per-worker N, --steps N, --step-ms N, --queued N. Writes bench/results/scale.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { UserKey } from '../src/commands/ports.js';
import type { JobQueueEvent } from '../src/bot/core/ports/job-queue.js';
import { KEY_PREFIX, queueName } from '../src/bot/queue/bullmq/redis-names.js';
import { parseProgress } from '../src/bot/queue/bullmq/wire-job.js';
import { FAKE_MODEL, generateJob, openQueue } from '../test/integration/queue/queue-harness.js';
import type { RecordingQueue } from '../test/integration/queue/queue-harness.js';
import { startWorkerHostProcess } from '../test/integration/queue/worker-host-process.js';
import type { WorkerHostProcess } from '../test/integration/queue/worker-host-process.js';
import { startRedis } from '../test/unit/bot/core/redis-server.js';
import { median, percentile, round } from './lib/stats.js';

const WORKER_COUNTS = [1, 2, 4];
const IDLE_JOBS = 30;
const TARGET_EFFICIENCY = 0.9;
const TARGET_ENQUEUE_P50_MS = 15;
const TARGET_PROGRESS_P50_MS = 20;
const CAPS = { maxWaiting: 100_000, maxPerUser: 100_000 };

const { values: flags } = parseArgs({
  options: {
    'jobs-per-worker': { type: 'string', default: '10' },
    steps: { type: 'string', default: '20' },
    'step-ms': { type: 'string', default: '25' },
    queued: { type: 'string', default: '500' },
  },
});
const JOBS_PER_WORKER = Number(flags['jobs-per-worker']);
const STEPS = Number(flags.steps);
const STEP_MS = Number(flags['step-ms']);
const QUEUED = Number(flags.queued);

const redis = await startRedis();
const admin = new Redis(redis.url);
const ofType = <T extends JobQueueEvent['type']>(events: readonly JobQueueEvent[], type: T) =>
  events.filter((event): event is Extract<JobQueueEvent, { type: T }> => event.type === type);
const users = (count: number): UserKey[] => Array.from({ length: count }, (_, index): UserKey => `discord:user${index}`);

async function withHosts<T>(count: number, run: (bot: RecordingQueue) => Promise<T>): Promise<T> {
  await admin.flushall();
  const hosts: WorkerHostProcess[] = await Promise.all(
    Array.from({ length: count }, (_, index) => startWorkerHostProcess({ redisUrl: redis.url, name: `bench-${count}-${index}`, behaviour: { stepDelayMs: STEP_MS } })),
  );
  const bot = openQueue(redis.url, 'bench-bot');
  await bot.queue.start(bot.listener);
  try {
    return await run(bot);
  } finally {
    await bot.queue.close(1_000);
    await Promise.all(hosts.map((host) => host.kill('SIGTERM')));
  }
}

/** Jobs per second with every worker busy from the first submit to the last result. */
async function throughput(workers: number): Promise<{ jobs: number; seconds: number; jobsPerSecond: number }> {
  return withHosts(workers, async (bot) => {
    const jobs = users(workers * JOBS_PER_WORKER).map((user, index) => generateJob(user, `bench ${index}`, { steps: STEPS }));
    const started = performance.now();
    for (const job of jobs) await bot.queue.submit(job, CAPS);
    await bot.until((events) => ofType(events, 'completed').length === jobs.length, 600_000);
    const seconds = (performance.now() - started) / 1000;
    return { jobs: jobs.length, seconds: round(seconds, 3), jobsPerSecond: round(jobs.length / seconds, 3) };
  });
}

/** One job at a time on an idle worker: submit → started, and every progress message's trip. */
async function latencies(): Promise<{ enqueueToStart: number[]; progress: number[] }> {
  return withHosts(1, async (bot) => {
    const progress: number[] = [];
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const events = new QueueEvents(queueName(FAKE_MODEL), { connection, prefix: KEY_PREFIX });
    events.on('progress', ({ data }) => {
      const wire = parseProgress(data);
      if (wire !== undefined) progress.push(Date.now() - wire.sentAt);
    });
    await events.waitUntilReady();
    const enqueueToStart: number[] = [];
    for (const [index, user] of users(IDLE_JOBS).entries()) {
      const job = generateJob(user, `idle ${index}`, { steps: STEPS });
      const submitted = performance.now();
      await bot.queue.submit(job, CAPS);
      await bot.until((all) => ofType(all, 'started').some((event) => event.jobId === job.jobId));
      enqueueToStart.push(performance.now() - submitted);
      await bot.until(() => bot.endsOf(job.jobId).length > 0);
    }
    await events.close();
    connection.disconnect();
    return { enqueueToStart, progress };
  });
}

/** Redis memory per waiting job: jobs queued with no worker to take them. */
async function memoryPerQueuedJob(): Promise<number> {
  await admin.flushall();
  const bot = openQueue(redis.url, 'bench-bot');
  await bot.queue.start(bot.listener);
  const before = usedMemory(await admin.info('memory'));
  for (const [index, user] of users(QUEUED).entries()) await bot.queue.submit(generateJob(user, `queued job number ${index}`, { steps: STEPS }), CAPS);
  const after = usedMemory(await admin.info('memory'));
  await bot.queue.close(0);
  return Math.round((after - before) / QUEUED);
}

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

const scaling: Array<{ workers: number; jobs: number; seconds: number; jobsPerSecond: number; efficiency: number }> = [];
for (const workers of WORKER_COUNTS) {
  const measured = await throughput(workers);
  const single = scaling[0]?.jobsPerSecond ?? measured.jobsPerSecond;
  scaling.push({ workers, ...measured, efficiency: round(measured.jobsPerSecond / (workers * single), 3) });
  process.stderr.write(`${workers} worker(s): ${measured.jobsPerSecond} jobs/s\n`);
}
const { enqueueToStart, progress } = await latencies();
const bytesPerJob = await memoryPerQueuedJob();

const report = {
  benchmark: 'scale',
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  config: { stepsPerJob: STEPS, stepMs: STEP_MS, jobsPerWorker: JOBS_PER_WORKER, idleJobs: IDLE_JOBS, queuedForMemory: QUEUED },
  scaling,
  enqueueToStartMs: { p50: round(median(enqueueToStart)), p99: round(percentile(enqueueToStart, 99)), target: { p50: TARGET_ENQUEUE_P50_MS } },
  progressLatencyMs: { p50: round(median(progress)), p99: round(percentile(progress, 99)), samples: progress.length, target: { p50: TARGET_PROGRESS_P50_MS } },
  redisBytesPerQueuedJob: bytesPerJob,
  targets: { efficiency: TARGET_EFFICIENCY },
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/scale.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
admin.disconnect();
await redis.stop();
process.exit(0);
