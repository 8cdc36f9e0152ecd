// npm run bench:cold-start — start-up time of the bot, the development way (`npm start`: tsx
// compiles the sources on the fly, bot and worker) against the production build
// (`node dist/bot/main.js`). Each run starts the real composition root with no platform token
// (so the playground comes up) on a model folder, and measures
//   firstLogToReadyMs  the first log line's timestamp → the "imagine is running" line's
//   spawnToReadyMs     process spawn → that line seen
// Runs alternate between the two ways so load on the machine hits both alike.
// Flags: --runs N (default 3), --model-dir DIR (default: a generated oracle model).
// Needs `npm run build` first. Writes bench/results/cold-start.json.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeOracleModel } from '../test/fixtures/oracle/index.js';
import { median, round } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_LINE = 'imagine is running';
const TIMEOUT_MS = 5 * 60_000;

interface Way {
  readonly name: 'tsx' | 'dist';
  readonly argv: readonly string[];
}

const WAYS: readonly Way[] = [
  { name: 'tsx', argv: [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'src', 'bot', 'main.ts')] },
  { name: 'dist', argv: [join(ROOT, 'dist', 'bot', 'main.js')] },
];

async function startOnce(way: Way, modelsDir: string, dataDir: string): Promise<{ firstLogToReadyMs: number; spawnToReadyMs: number }> {
  const spawned = performance.now();
  const child = spawn(process.execPath, [...way.argv], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: 'info', MODELS_DIR: modelsDir, DATA_DIR: dataDir, PLAYGROUND_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the kill below also reaches tsx's child and the worker.
    detached: true,
  });
  let firstLogTime: number | undefined;
  let buffered = '';
  try {
    return await new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`${way.name}: not ready within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      child.stderr?.resume();
      child.on('exit', (code) => fail(new Error(`${way.name}: exited with ${code} before it was ready`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          let entry: { time?: number | string; msg?: string };
          try {
            entry = JSON.parse(line) as { time?: number | string; msg?: string };
          } catch {
            continue;
          }
          // pino writes epoch milliseconds or an ISO time, depending on the logger's options.
          const time = typeof entry.time === 'string' ? Date.parse(entry.time) : entry.time;
          if (time === undefined || Number.isNaN(time)) continue;
          firstLogTime ??= time;
          if (entry.msg === READY_LINE) {
            clearTimeout(timer);
            done({ firstLogToReadyMs: time - firstLogTime, spawnToReadyMs: performance.now() - spawned });
          }
        }
      });
    });
  } finally {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'model-dir': { type: 'string' } } });
  if (!existsSync(join(ROOT, 'dist', 'bot', 'main.js'))) throw new Error('run `npm run build` first');
  const runs = Number(values.runs);
  const work = await mkdtemp(join(tmpdir(), 'imagine-cold-start-'));
  try {
    const modelsDir = join(work, 'models');
    await mkdir(modelsDir, { recursive: true });
    const modelDir = values['model-dir'];
    if (modelDir === undefined) await writeOracleModel(join(modelsDir, 'oracle'));
    else await symlink(resolve(modelDir), join(modelsDir, 'model'));
    const samples: Record<Way['name'], Array<{ firstLogToReadyMs: number; spawnToReadyMs: number }>> = { tsx: [], dist: [] };
    for (let run = 0; run < runs; run++) {
      for (const way of WAYS) {
        const result = await startOnce(way, modelsDir, join(work, `data-${way.name}-${run}`));
        samples[way.name].push(result);
        process.stderr.write(`${way.name} run ${run + 1}: first log → ready ${round(result.firstLogToReadyMs)} ms, spawn → ready ${round(result.spawnToReadyMs)} ms\n`);
      }
    }
    const summary = Object.fromEntries(
      WAYS.map((way) => [
        way.name,
        {
          firstLogToReadyMsMedian: round(median(samples[way.name].map((sample) => sample.firstLogToReadyMs))),
          spawnToReadyMsMedian: round(median(samples[way.name].map((sample) => sample.spawnToReadyMs))),
        },
      ]),
    );
    const result = {
      node: process.version,
      cpus: cpus().length,
      model: modelDir ?? 'oracle (generated, tiny)',
      runs,
      ...summary,
      samples,
    };
    await writeFile(join(ROOT, 'bench', 'results', 'cold-start.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
