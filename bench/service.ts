// npm run bench:service — what the job service and the worker process cost around generation.
// Runs the real job service (SQLite state, images on disk) against the fake worker (or the real
// worker with --model-dir <folder>) and reports:
//   eventLoopDelayP99Ms  bot process event-loop delay p99 while jobs run        (target < 20 ms)
//   idleGapMedianMs      worker idle time between consecutive jobs under load    (target < 10 ms)
//   enqueueToStartMs     submit() → worker starts the job, on an idle queue
//   rssMb                bot process resident memory (peak and at the end)
// Flags: --jobs N (load phase), --users N, --steps N, --step-ms N (fake worker), --size N,
//        --model-dir DIR and --model NAME (real worker). Writes bench/results/service.json.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { PipelineClient } from '../src/pipeline/ipc/client.js';
import type { PipelineClientOptions, WorkerEvent } from '../src/pipeline/ipc/client.js';
import { workerArgs } from '../src/pipeline/worker/worker-config.js';
import { fakeClientOptions } from '../test/fixtures/fake-worker/fake-client-options.js';
import { RecordingObserver, makeHarness, request, requester } from '../test/fixtures/fake-worker/service-harness.js';
import { median, percentile, round } from './lib/stats.js';

const TARGET_EVENT_LOOP_P99_MS = 20;
const TARGET_IDLE_GAP_MEDIAN_MS = 10;
const IDLE_PHASE_JOBS = 20;
const RSS_SAMPLE_MS = 100;
const NS_PER_MS = 1e6;
const BYTES_PER_MB = 1024 * 1024;
const PREVIEW_EVERY = 5;

const { values: flags } = parseArgs({
  options: {
    jobs: { type: 'string', default: '60' },
    users: { type: 'string', default: '6' },
    steps: { type: 'string', default: '20' },
    'step-ms': { type: 'string', default: '10' },
    size: { type: 'string', default: '512' },
    'model-dir': { type: 'string' },
    model: { type: 'string', default: 'bench' },
  },
});
const LOAD_JOBS = Number(flags.jobs);
const USERS = Number(flags.users);
const STEPS = Number(flags.steps);
const STEP_MS = Number(flags['step-ms']);
const SIZE = Number(flags.size);
const MODEL_DIR = flags['model-dir'];
const MODEL = MODEL_DIR === undefined ? 'fake-sd1' : flags.model;

function clientOptions(onEvent: (event: WorkerEvent) => void): PipelineClientOptions {
  const base =
    MODEL_DIR === undefined
      ? fakeClientOptions({ behaviour: { stepDelayMs: STEP_MS }, config: { pipeline: { previewEvery: PREVIEW_EVERY } } })
      : { args: workerArgs({ models: [{ name: MODEL, dir: MODEL_DIR }], pipeline: { previewEvery: PREVIEW_EVERY, safetyChecker: false } }) };
  return { ...base, heartbeatTimeoutMs: 30_000, onEvent };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'imagine-bench-service-'));
  const starts = new Map<string, number>();
  const idleGaps: number[] = [];
  let collectGaps = false;
  const client = await PipelineClient.start(
    clientOptions((event) => {
      if (event.type !== 'started') return;
      starts.set(event.jobId, performance.now());
      if (collectGaps && event.idleMs !== null) idleGaps.push(event.idleMs);
    }),
  );
  const keyv = new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, 'state.sqlite')}`) });
  const { service } = await makeHarness({
    generator: client,
    dataDir: dir,
    keyv,
    models: [MODEL],
    limits: { perUser: { capacity: 1_000_000, windowMs: 60_000 } },
    queue: { maxLength: 1_000 },
  });
  const job = (index: number) => request(`bench job ${index}`, { seed: index, numInferenceSteps: STEPS, width: SIZE, height: SIZE, model: MODEL });

  try {
    // Warm-up: the first job pays for lazy initialisation on both sides.
    const warm = new RecordingObserver();
    await service.submit(job(0), requester('warm-up'), warm);
    await warm.ended;

    // Phase 1: one job at a time on an idle queue → enqueue-to-start overhead.
    const enqueueToStart: number[] = [];
    const enqueueToObserverStart: number[] = [];
    for (let i = 1; i <= IDLE_PHASE_JOBS; i++) {
      const observer = new RecordingObserver();
      const submitted = performance.now();
      const { jobId } = await service.submit(job(i), requester(`idle-${i % USERS}`), observer);
      await observer.ended;
      enqueueToStart.push((starts.get(jobId) ?? Number.NaN) - submitted);
      enqueueToObserverStart.push((observer.startedAt() ?? Number.NaN) - submitted);
    }

    // Phase 2: every user keeps two jobs pending until LOAD_JOBS have run.
    collectGaps = true;
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), RSS_SAMPLE_MS);
    histogram.enable();
    const loadStarted = performance.now();
    let submitted = 0;
    const failures: string[] = [];
    const runUser = async (user: number): Promise<void> => {
      while (submitted < LOAD_JOBS) {
        const observer = new RecordingObserver();
        await service.submit(job(1_000 + submitted++), requester(`user-${user}`), observer);
        const ending = await observer.ended;
        if (ending.type === 'failed') failures.push(ending.error.code);
      }
    };
    await Promise.all(Array.from({ length: USERS * 2 }, (_, i) => runUser(i % USERS)));
    const loadMs = performance.now() - loadStarted;
    histogram.disable();
    clearInterval(sampler);
    rss.push(process.memoryUsage().rss);

    const eventLoopP99 = histogram.percentile(99) / NS_PER_MS;
    const idleGapMedian = median(idleGaps);
    const report = {
      benchmark: 'service',
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      worker: MODEL_DIR === undefined ? 'fake' : 'real',
      config: { loadJobs: LOAD_JOBS, users: USERS, steps: STEPS, stepMs: MODEL_DIR === undefined ? STEP_MS : null, size: SIZE, previewEvery: PREVIEW_EVERY },
      eventLoopDelayMs: {
        p50: round(histogram.percentile(50) / NS_PER_MS),
        p99: round(eventLoopP99),
        max: round(histogram.max / NS_PER_MS),
        target: TARGET_EVENT_LOOP_P99_MS,
        pass: eventLoopP99 < TARGET_EVENT_LOOP_P99_MS,
      },
      idleGapMs: {
        median: round(idleGapMedian),
        p95: round(percentile(idleGaps, 95)),
        samples: idleGaps.length,
        target: TARGET_IDLE_GAP_MEDIAN_MS,
        pass: idleGapMedian < TARGET_IDLE_GAP_MEDIAN_MS,
      },
      enqueueToStartMs: {
        workerMedian: round(median(enqueueToStart)),
        workerP95: round(percentile(enqueueToStart, 95)),
        observerMedian: round(median(enqueueToObserverStart)),
        samples: enqueueToStart.length,
      },
      rssMb: { peak: round(Math.max(...rss) / BYTES_PER_MB, 1), end: round((rss.at(-1) ?? 0) / BYTES_PER_MB, 1) },
      throughputJobsPerS: round((LOAD_JOBS / loadMs) * 1000),
      failures,
    };
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/service.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await service.shutdown(0);
    await client.close();
    await keyv.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
