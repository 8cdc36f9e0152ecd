// npm run bench:scale — how the Redis queue scales over worker hosts. Runs 1, 2 and 4 fake worker
// hosts (`npm run worker` on the sleep-based fake pipeline, each its own process) on one
// redis-server, with the bot-side BullMQ queue in this process, and reports:
//   scaling[N].efficiency   throughput ÷ (N × one worker's throughput)          (target ≥ 0.9)
//   enqueueToStartMs        submit() → the bot hears the job started, idle queue (target p50 < 15 ms)
//   progressLatencyMs       worker's updateProgress → the bot hears it          (target p50 < 20 ms)
//   redisBytesPerQueuedJob  Redis memory per waiting job (BullMQ job + ledger)
//   redisRoundTripsPerJob   requests to Redis per job, by command (one worker, MONITOR on)
// Every throughput phase also says where the time went: how busy the host's cores were (all
// processes, this benchmark's and anyone else's), CPU per job of the bot, the worker hosts and
// Redis, Redis commands per job, and how many jobs each worker took. The compute is sleep, so
// an efficiency below target with the host's cores near 100% busy is this machine's limit, not
// the queue's. --runs N repeats everything and reports the median and range.
// Flags: --runs N, --jobs-per-worker N, --steps N, --step-ms N, --queued N. Writes
// bench/results/scale.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { UserKey } from '../src/commands/ports.js';
import type { JobQueueEvent } from '../src/bot/core/ports/job-queue.js';
import { KEY_PREFIX, queueName } from '../src/bot/queue/bullmq/redis-names.js';
import { PROGRESS_MIN_INTERVAL_MS } from '../src/bot/queue/bullmq/progress-reporter.js';
import { parseProgress } from '../src/bot/queue/bullmq/wire-job.js';
import { FAKE_MODEL, generateJob, openQueue } from '../test/integration/queue/queue-harness.js';
import type { RecordingQueue } from '../test/integration/queue/queue-harness.js';
import { startWorkerHostProcess } from '../test/integration/queue/worker-host-process.js';
import type { WorkerHostProcess } from '../test/integration/queue/worker-host-process.js';
import { startRedis } from '../test/unit/bot/core/redis-server.js';
import { busyShare, hostCpu, loadSnapshot, processTreeCpuMs } from './lib/cpu-usage.js';
import { callsBetween, sampleRedis } from './lib/redis-stats.js';
import { median, percentile, round, spread } from './lib/stats.js';

const WORKER_COUNTS = [1, 2, 4];
const IDLE_JOBS = 30;
const TARGET_EFFICIENCY = 0.9;
const TARGET_ENQUEUE_P50_MS = 15;
const TARGET_PROGRESS_P50_MS = 20;
const CAPS = { maxWaiting: 100_000, maxPerUser: 100_000 };
/** Above this share of all cores busy, the host itself is the likely limit. */
const HOST_SATURATED_SHARE = 0.85;
/** Commands listed by name per job; the rest are only in the total. */
const TOP_COMMANDS = 8;
const JOB_FINISHED_LOG = '"msg":"job finished"';
const ROUND_TRIP_JOBS = 10;

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'jobs-per-worker': { type: 'string', default: '10' },
    steps: { type: 'string', default: '20' },
    'step-ms': { type: 'string', default: '25' },
    queued: { type: 'string', default: '500' },
  },
});
const RUNS = Number(flags.runs);
const JOBS_PER_WORKER = Number(flags['jobs-per-worker']);
const STEPS = Number(flags.steps);
const STEP_MS = Number(flags['step-ms']);
const QUEUED = Number(flags.queued);

const redis = await startRedis();
const admin = new Redis(redis.url);
const ofType = <T extends JobQueueEvent['type']>(events: readonly JobQueueEvent[], type: T) =>
  events.filter((event): event is Extract<JobQueueEvent, { type: T }> => event.type === type);
const users = (count: number): UserKey[] => Array.from({ length: count }, (_, index): UserKey => `discord:user${index}`);

async function withHosts<T>(count: number, run: (bot: RecordingQueue, hosts: readonly WorkerHostProcess[]) => Promise<T>): Promise<T> {
  await admin.flushall();
  const hosts: WorkerHostProcess[] = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      startWorkerHostProcess({ redisUrl: redis.url, name: `bench-${count}-${index}`, behaviour: { stepDelayMs: STEP_MS }, logLevel: 'info' }),
    ),
  );
  const bot = openQueue(redis.url, 'bench-bot');
  await bot.queue.start(bot.listener);
  try {
    return await run(bot, hosts);
  } finally {
    await bot.queue.close(1_000);
    await Promise.all(hosts.map((host) => host.kill('SIGTERM')));
  }
}

interface CostSample {
  readonly host: ReturnType<typeof hostCpu>;
  readonly bot: NodeJS.CpuUsage;
  readonly workersMs: number;
  readonly redis: Awaited<ReturnType<typeof sampleRedis>>;
}

async function sampleCost(hosts: readonly WorkerHostProcess[]): Promise<CostSample> {
  const workersMs = hosts.reduce((sum, host) => sum + (host.child.pid === undefined ? Number.NaN : (processTreeCpuMs(host.child.pid) ?? Number.NaN)), 0);
  return { host: hostCpu(), bot: process.cpuUsage(), workersMs, redis: await sampleRedis(admin) };
}

/** Where one phase's time went, per job where it is a cost. */
function costBetween(before: CostSample, after: CostSample, jobs: number) {
  const botMs = (after.bot.user - before.bot.user + after.bot.system - before.bot.system) / 1000;
  const redisMs = after.redis.cpuMs - before.redis.cpuMs;
  const calls = callsBetween(before.redis, after.redis);
  const share = busyShare(before.host, after.host);
  const perJob = (value: number) => round(value / jobs, 2);
  return {
    hostBusyShare: round(share, 3),
    hostSaturated: share >= HOST_SATURATED_SHARE,
    ...loadSnapshot(),
    cpuMsPerJob: { bot: perJob(botMs), workers: perJob(after.workersMs - before.workersMs), redis: perJob(redisMs) },
    /** What one core each for the bot and Redis could serve at most, from their cost per job. */
    sharedCeilingJobsPerSecond: round((1000 * jobs) / Math.max(botMs, redisMs), 1),
    /** Every command Redis ran, those inside Lua scripts included (roundTripsPerJob counts requests). */
    redisCommandsPerJob: perJob(calls.reduce((sum, [, count]) => sum + count, 0)),
    redisCommandsPerJobByName: Object.fromEntries(calls.slice(0, TOP_COMMANDS).map(([command, count]) => [command, perJob(count)])),
  };
}

/** Jobs per second with every worker busy from the first submit to the last result. */
async function throughput(workers: number) {
  return withHosts(workers, async (bot, hosts) => {
    const jobs = users(workers * JOBS_PER_WORKER).map((user, index) => generateJob(user, `bench ${index}`, { steps: STEPS }));
    const before = await sampleCost(hosts);
    const started = performance.now();
    for (const job of jobs) await bot.queue.submit(job, CAPS);
    await bot.until((events) => ofType(events, 'completed').length === jobs.length, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const cost = costBetween(before, await sampleCost(hosts), jobs.length);
    const jobsPerWorker = hosts.map((host) => host.lines.filter((line) => line.includes(JOB_FINISHED_LOG)).length);
    const progressPerJob = round(ofType(bot.events, 'progress').length / jobs.length, 2);
    return { jobs: jobs.length, seconds: round(seconds, 3), jobsPerSecond: round(jobs.length / seconds, 3), jobsPerWorker, progressPerJob, cost };
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

/**
 * Requests each job costs Redis, by command: one worker, MONITOR on, in a pass of its own since
 * MONITOR slows Redis. Commands run inside a Lua script are not requests and are left out.
 */
async function roundTripsPerJob(): Promise<{ total: number; byCommand: Record<string, number> }> {
  return withHosts(1, async (bot) => {
    const monitor = await admin.monitor();
    const requests = new Map<string, number>();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return;
      const command = args[0]?.toLowerCase() ?? '?';
      requests.set(command, (requests.get(command) ?? 0) + 1);
    });
    const jobs = users(ROUND_TRIP_JOBS).map((user, index) => generateJob(user, `round trips ${index}`, { steps: STEPS }));
    for (const job of jobs) await bot.queue.submit(job, CAPS);
    await bot.until((events) => ofType(events, 'completed').length === jobs.length, 600_000);
    monitor.disconnect();
    const sorted = [...requests].sort((a, b) => b[1] - a[1]);
    const perJob = (count: number) => round(count / jobs.length, 2);
    return { total: perJob(sorted.reduce((sum, [, count]) => sum + count, 0)), byCommand: Object.fromEntries(sorted.map(([command, count]) => [command, perJob(count)])) };
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

type Measured = Awaited<ReturnType<typeof throughput>> & { efficiency: number };
const byWorkers = new Map<number, Measured[]>(WORKER_COUNTS.map((workers) => [workers, []]));
const enqueueToStartAll: number[] = [];
const progressAll: number[] = [];
const perRun: Array<{ enqueueToStartP50: number; progressP50: number }> = [];
for (let run = 1; run <= RUNS; run++) {
  let single: number | undefined;
  for (const workers of WORKER_COUNTS) {
    const measured = await throughput(workers);
    single ??= measured.jobsPerSecond;
    const efficiency = round(measured.jobsPerSecond / (workers * single), 3);
    byWorkers.get(workers)?.push({ ...measured, efficiency });
    const { cost } = measured;
    process.stderr.write(
      `run ${run}, ${workers} worker(s): ${measured.jobsPerSecond} jobs/s, efficiency ${efficiency}, jobs per worker ${measured.jobsPerWorker.join('/')}, ` +
        `host ${Math.round(cost.hostBusyShare * 100)}% busy, CPU ms/job bot ${cost.cpuMsPerJob.bot} workers ${cost.cpuMsPerJob.workers} redis ${cost.cpuMsPerJob.redis}, ` +
        `${cost.redisCommandsPerJob} Redis commands/job\n`,
    );
  }
  const { enqueueToStart, progress } = await latencies();
  enqueueToStartAll.push(...enqueueToStart);
  progressAll.push(...progress);
  perRun.push({ enqueueToStartP50: median(enqueueToStart), progressP50: median(progress) });
}
const roundTrips = await roundTripsPerJob();
const bytesPerJob = await memoryPerQueuedJob();

const report = {
  benchmark: 'scale',
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  config: { runs: RUNS, stepsPerJob: STEPS, stepMs: STEP_MS, jobsPerWorker: JOBS_PER_WORKER, idleJobs: IDLE_JOBS, queuedForMemory: QUEUED },
  scaling: WORKER_COUNTS.map((workers) => {
    const runs = byWorkers.get(workers) ?? [];
    return {
      workers,
      efficiency: spread(runs.map((run) => run.efficiency)),
      jobsPerSecond: spread(runs.map((run) => run.jobsPerSecond)),
      hostBusyShare: spread(runs.map((run) => run.cost.hostBusyShare)),
      runs,
    };
  }),
  enqueueToStartMs: {
    p50: round(median(enqueueToStartAll)),
    p99: round(percentile(enqueueToStartAll, 99)),
    p50OfEachRun: spread(perRun.map((run) => run.enqueueToStartP50), 2),
    samples: enqueueToStartAll.length,
    target: { p50: TARGET_ENQUEUE_P50_MS },
  },
  progressLatencyMs: {
    p50: round(median(progressAll)),
    p99: round(percentile(progressAll, 99)),
    p50OfEachRun: spread(perRun.map((run) => run.progressP50), 2),
    samples: progressAll.length,
    messagesPerJob: round(progressAll.length / (IDLE_JOBS * RUNS), 2),
    /** A worker host writes a job's progress at most this often: a state may wait this long before its trip. */
    workerPacingMs: PROGRESS_MIN_INTERVAL_MS,
    target: { p50: TARGET_PROGRESS_P50_MS },
  },
  redisRoundTripsPerJob: roundTrips,
  redisBytesPerQueuedJob: bytesPerJob,
  targets: { efficiency: TARGET_EFFICIENCY, hostSaturatedAboveBusyShare: HOST_SATURATED_SHARE },
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/scale.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
admin.disconnect();
await redis.stop();
process.exit(0);
