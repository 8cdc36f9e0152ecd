// npm run bench:pipeline — how much the pipeline adds on top of onnxruntime itself.
// Runs on a synthetic UNet-like model (a real-size stack of 3×3 convolutions at 64×64 latents)
// and reports, side by side in one run:
//   overhead      pipeline wall time ÷ the sum of raw session.run times of the same calls (target ≤ 1.03)
//   unetCallsPerStep                                                                   (target 1)
//   previewRatio  wall time with a preview every step ÷ previews off                   (target ≤ 1.05)
//   peakRssMb
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StableDiffusionPipeline } from '../src/pipeline/sd/stable-diffusion.js';
import type { GenerationParams } from '../src/pipeline/types.js';
import { writeSyntheticBenchModel } from '../test/fixtures/oracle/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const STEPS = Number(process.env['BENCH_STEPS'] ?? 20);
/** A UNet-like conv stack at 64×64 latents: heavy enough that a step costs what a small real UNet does on cpu. */
const CHANNELS = Number(process.env['BENCH_CHANNELS'] ?? 128);
const LAYERS = Number(process.env['BENCH_LAYERS'] ?? 12);
const SIZE = 512;

function sumRunMs(pipeline: StableDiffusionPipeline): { runMs: number; unetRuns: number } {
  const stats = pipeline.runStats();
  const parts = Object.values(stats).filter((s) => s !== undefined);
  return { runMs: parts.reduce((sum, s) => sum + s.runMs, 0), unetRuns: stats.unet?.runs ?? 0 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'imagine-bench-'));
  try {
    await writeSyntheticBenchModel(dir, { channels: CHANNELS, layers: LAYERS });
    const pipeline = await StableDiffusionPipeline.load(dir, 'synthetic', { provider: 'cpu', allowCpuFallback: false, previewEvery: 0, safetyChecker: false });
    const params: GenerationParams = {
      prompt: 'a lighthouse at dusk',
      negativePrompt: '',
      seed: 1,
      numInferenceSteps: STEPS,
      guidanceScale: 7,
      sampler: 'euler_a',
      width: SIZE,
      height: SIZE,
      count: 1,
    };
    await pipeline.generate({ ...params, numInferenceSteps: 2 }); // warm-up: first runs allocate

    const overheads: number[] = [];
    const callsPerStep: number[] = [];
    const nonRunMs: number[] = [];
    const wallOff: number[] = [];
    const wallOn: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so drift in machine load hits both arms equally.
      for (const previews of round % 2 === 0 ? [false, true] : [true, false]) {
        const before = sumRunMs(pipeline);
        const started = performance.now();
        await pipeline.generate({ ...params, seed: round }, { previewEvery: previews ? 1 : 0 });
        const wall = performance.now() - started;
        const after = sumRunMs(pipeline);
        (previews ? wallOn : wallOff).push(wall);
        if (!previews) {
          overheads.push(wall / (after.runMs - before.runMs));
          nonRunMs.push(wall - (after.runMs - before.runMs));
          callsPerStep.push((after.unetRuns - before.unetRuns) / STEPS);
        }
      }
    }
    const result = {
      benchmark: 'pipeline',
      model: `synthetic conv stack ${CHANNELS} channels x ${LAYERS} layers (oracle semantics), 512x512, batch 2 (CFG), euler_a`,
      steps: STEPS,
      rounds: ROUNDS,
      overhead: median(overheads),
      unetCallsPerStep: median(callsPerStep),
      previewRatio: median(wallOn) / median(wallOff),
      /** Wall time outside session.run per generation: scheduler math, buffers, the final PNG encode. */
      medianMsOutsideSessionRun: median(nonRunMs),
      medianWallMsPreviewsOff: median(wallOff),
      medianWallMsPreviewsOn: median(wallOn),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      node: process.version,
      date: new Date().toISOString(),
    };
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/pipeline.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    await pipeline.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
