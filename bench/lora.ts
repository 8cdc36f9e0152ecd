// npm run bench:lora — what applying a LoRA set costs on a UNet-sized model, cold and warm.
// Writes a synthetic fp32 model of BENCH_LORA_GB (default 1.7 GB) of external data: Linear weights
// as torch.onnx exports them (anonymous [in, out] initializers read by `/…/to_q/MatMul` nodes), and a
// kohya LoRA touching half of them. Each arm runs in a fresh child process, so its peak RSS is its own:
//   base          plain session creation (what any model load costs)
//   copy          the product's way: patched copy of the touched files on disk, then a session on it
//   copyWarm      the same set again (sessions kept warm): target < 50 ms
//   copyReload    the set after a restart: the patched copy is found on disk, only the session is made
//   memory        the alternative: the whole data file read into memory, patched, passed to
//                 onnxruntime's `externalData` session option
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { MatMul } from '../src/pipeline/onnx/matmul-model.js';
import { OnnxModel } from '../src/pipeline/onnx/onnx-model.js';
import { readLoraFile } from '../src/pipeline/lora/lora-file.js';
import { LoraSessions } from '../src/pipeline/lora/lora-sessions.js';
import { addDelta } from '../src/pipeline/lora/patched-copy.js';
import { planPatches } from '../src/pipeline/lora/patch-plan.js';
import { weightMapOf } from '../src/pipeline/lora/weight-map.js';
import { encodeSafetensors, tensorBytes } from '../test/fixtures/oracle/index.js';
import { round } from './lib/stats.js';

const { onnx } = onnxProto;
const GB = 1e9;
const TARGET_BYTES = Number(process.env['BENCH_LORA_GB'] ?? 1.7) * GB;
const WIDTH = 1280;
const LORA_RANK = 16;
const WEIGHT_BYTES = WIDTH * WIDTH * 4;
const MODULES = Math.max(2, Math.round(TARGET_BYTES / WEIGHT_BYTES));
const DATA_FILE = 'model.onnx_data';
const SCRIPT = fileURLToPath(import.meta.url);

function moduleName(k: number): string {
  return `down_blocks.${Math.floor(k / 8)}.attentions.${Math.floor(k / 4) % 2}.transformer_blocks.0.attn${(k % 4 < 2) ? 1 : 2}.to_${k % 2 === 0 ? 'q' : 'v'}`;
}

async function writeModel(dir: string): Promise<void> {
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const node: onnxProto.onnx.INodeProto[] = [];
  let input = 'x';
  const out = createWriteStream(join(dir, DATA_FILE));
  const chunk = new Float32Array(WIDTH * WIDTH);
  for (let k = 0; k < MODULES; k++) {
    // Near-identity weights keep the activations finite through hundreds of MatMuls.
    chunk.fill(0);
    for (let i = 0; i < WIDTH; i++) chunk[i * WIDTH + i] = 1;
    chunk[k % chunk.length] = 0.001;
    const name = `onnx::MatMul_${9000 + k}`;
    initializer.push({
      name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [WIDTH, WIDTH], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: DATA_FILE }, { key: 'offset', value: String(k * WEIGHT_BYTES) }, { key: 'length', value: String(WEIGHT_BYTES) }],
    });
    const output = `h${k}`;
    node.push({ name: `/${moduleName(k).replaceAll('.', '/')}/MatMul`, opType: 'MatMul', input: [input, name], output: [output] });
    input = output;
    if (!out.write(Buffer.from(chunk.buffer))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve(undefined))));
  const valueInfo = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: WIDTH }] } } } });
  node.push({ name: 'out', opType: 'Identity', input: [input], output: ['y'] });
  const model = onnx.ModelProto.encode({
    irVersion: 8, producerName: 'imagine-bench', opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'lora_bench', node, initializer, input: [valueInfo('x')], output: [valueInfo('y')] },
  }).finish();
  await writeFile(join(dir, 'model.onnx'), model);
}

async function writeLora(file: string): Promise<void> {
  const tensors = [];
  for (let k = 0; k < MODULES; k += 2) {
    const base = `lora_unet_${moduleName(k).replaceAll('.', '_')}`;
    const down = Array.from({ length: LORA_RANK * WIDTH }, (_, i) => ((i * 7919) % 13) / 1300 - 0.005);
    const up = Array.from({ length: WIDTH * LORA_RANK }, (_, i) => ((i * 104729) % 11) / 1100 - 0.005);
    tensors.push({ name: `${base}.lora_down.weight`, dtype: 'F16' as const, shape: [LORA_RANK, WIDTH], data: tensorBytes(down, 'F16') });
    tensors.push({ name: `${base}.lora_up.weight`, dtype: 'F16' as const, shape: [WIDTH, LORA_RANK], data: tensorBytes(up, 'F16') });
    tensors.push({ name: `${base}.alpha`, dtype: 'F32' as const, shape: [], data: tensorBytes([LORA_RANK / 2], 'F32') });
  }
  await writeFile(file, encodeSafetensors(tensors));
}

const peakRssMb = (): number => round(process.resourceUsage().maxRSS / 1024, 0);

async function check(model: OnnxModel): Promise<void> {
  await model.run({ x: { type: 'float32', dims: [1, WIDTH], data: new Float32Array(WIDTH).fill(1) } });
}

/** One arm, in this (child) process; prints one JSON line. */
async function arm(which: string, dir: string): Promise<void> {
  const modelFile = join(dir, 'model.onnx');
  const load = (file: string) => OnnxModel.load(file, { provider: 'cpu', threads: 1 });
  const timings: Record<string, number> = {};
  if (which === 'base') {
    const started = performance.now();
    const model = await load(modelFile);
    timings['baseMs'] = performance.now() - started;
    await check(model);
  } else if (which === 'copy') {
    const base = await load(modelFile);
    const rssBefore = peakRssMb();
    const sessions = new LoraSessions({ unet: base, textEncoder: base, textEncoder2: undefined }, {
      loraDir: dir, cacheDir: join(dir, 'cache'), modelName: 'bench', modelKind: 'sd1', load,
    });
    const set = [{ name: 'bench', weight: 0.8 }];
    let started = performance.now();
    const cold = await sessions.activate(set, () => undefined);
    timings['copyMs'] = performance.now() - started;
    await check(cold.models.unet);
    started = performance.now();
    await sessions.activate(set, () => undefined);
    timings['copyWarmMs'] = performance.now() - started;
    timings['baseRssMb'] = rssBefore;
    await sessions.release();
    // A restart: the patched copy is on disk, only the session is made again.
    const again = new LoraSessions({ unet: base, textEncoder: base, textEncoder2: undefined }, {
      loraDir: dir, cacheDir: join(dir, 'cache'), modelName: 'bench', modelKind: 'sd1', load,
    });
    started = performance.now();
    await again.activate(set, () => undefined);
    timings['copyReloadMs'] = performance.now() - started;
    await again.release();
  } else {
    const base = await load(modelFile);
    const rssBefore = peakRssMb();
    const started = performance.now();
    const lora = await readLoraFile(join(dir, 'bench.safetensors'));
    const matmul = await MatMul.create(1);
    const plan = await planPatches({ unet: await weightMapOf(modelFile) }, [{ name: 'bench', weight: 0.8, file: lora }], (a, b, m, k, n) => matmul.multiply(a, b, m, k, n));
    const data = await readFile(join(dir, DATA_FILE));
    for (const patch of plan.parts.get('unet') ?? []) {
      const { offset, length, dataType } = patch.target.storage;
      addDelta(new Uint8Array(data.buffer, data.byteOffset + offset, length), dataType, patch.delta);
    }
    const model = await OnnxModel.load(modelFile, { provider: 'cpu', threads: 1, externalData: [{ path: DATA_FILE, data }] });
    timings['memoryMs'] = performance.now() - started;
    timings['baseRssMb'] = rssBefore;
    await check(model);
    await base.release();
  }
  process.stdout.write(`${JSON.stringify({ ...timings, peakRssMb: peakRssMb() })}\n`);
}

function child(which: string, dir: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...process.execArgv, SCRIPT, '--arm', which, dir], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${which}: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>);
    });
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'imagine-bench-lora-'));
  try {
    let started = performance.now();
    await writeModel(dir);
    await writeLora(join(dir, 'bench.safetensors'));
    const writeMs = performance.now() - started;
    started = performance.now();
    const base = await child('base', dir);
    const copy = await child('copy', dir);
    const memory = await child('memory', dir);
    const result = {
      benchmark: 'lora',
      model: `synthetic: ${MODULES} Linear weights ${WIDTH}x${WIDTH} fp32 as anonymous [in, out] MatMul initializers, ${round((MODULES * WEIGHT_BYTES) / GB, 2)} GB external data`,
      lora: `kohya, rank ${LORA_RANK}, fp16, ${Math.ceil(MODULES / 2)} modules (${round((Math.ceil(MODULES / 2) * WEIGHT_BYTES) / GB, 2)} GB of weights patched)`,
      cpu: '1 onnxruntime thread',
      baseSessionMs: round(base['baseMs'] ?? Number.NaN, 0),
      baseSessionPeakRssMb: base['peakRssMb'],
      copy: {
        coldMs: round(copy['copyMs'] ?? Number.NaN, 0),
        warmMs: round(copy['copyWarmMs'] ?? Number.NaN, 2),
        afterRestartMs: round(copy['copyReloadMs'] ?? Number.NaN, 0),
        peakRssMb: copy['peakRssMb'],
        rssBeforeApplyMb: copy['baseRssMb'],
      },
      memory: {
        coldMs: round(memory['memoryMs'] ?? Number.NaN, 0),
        peakRssMb: memory['peakRssMb'],
        rssBeforeApplyMb: memory['baseRssMb'],
      },
      setupMs: round(writeMs, 0),
      benchMs: round(performance.now() - started, 0),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
    await mkdir(resultsDir, { recursive: true });
    await writeFile(join(resultsDir, 'lora.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const armIndex = process.argv.indexOf('--arm');
if (armIndex !== -1) await arm(process.argv[armIndex + 1] ?? '', process.argv[armIndex + 2] ?? '');
else await main();
