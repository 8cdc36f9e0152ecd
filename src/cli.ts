// `npm run imagine -- --model DIR --prompt TEXT …`: one generation from the command line.
// Writes the PNG(s), prints one JSON line per image on stdout, progress on stderr.
import { writeFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { randomInt } from 'node:crypto';
import { isPipelineError } from './pipeline/errors.js';
import { MODEL_DEFAULTS } from './commands/config.js';
import { resolveLoras } from './commands/lora-choice.js';
import { extractLoraTags, parseLoraAsk, type LoraAsk } from './commands/lora-tags.js';
import { UserFacingError } from './commands/user-facing-error.js';
import { LoraFolderCatalog } from './pipeline/lora/lora-catalog.js';
import { StableDiffusionPipeline } from './pipeline/sd/stable-diffusion.js';
import {
  EXECUTION_PROVIDERS,
  MAX_IMAGES_PER_REQUEST,
  MAX_SEED,
  MIN_IMAGES_PER_REQUEST,
  SAMPLER_NAMES,
  SIZE_MULTIPLE,
  DEFAULT_HIRES_DENOISE,
  DEFAULT_MASK_BLUR,
  HIRES_LATENT,
  MAX_HIRES_SCALE,
  MAX_MASK_BLUR,
  MIN_HIRES_SCALE,
  type ExecutionProviderName,
  type HiresFix,
  type InpaintMask,
  type LoraRequest,
  type SamplerName,
} from './pipeline/types.js';
import { MAX_CLIP_SKIP, MAX_GUIDANCE, MAX_SIDE, MAX_STEPS, MIN_SIDE } from './pipeline/sd/validate-params.js';

const USAGE =
  'usage: npm run imagine -- --model DIR --prompt TEXT [--negative TEXT] [--seed N] [--steps N] [--cfg X] [--sampler NAME] ' +
  '[--width W] [--height H] [--count N] [--provider cpu|webgpu|cuda] [--threads N] [--allow-cpu-fallback] ' +
  '[--init FILE --strength S] [--init FILE --mask FILE [--mask-blur N]] ' +
  '[--hires SCALE [--hires-steps N] [--hires-denoise X] [--hires-upscaler latent|lanczos|NAME]] [--upscalers DIR] ' +
  '[--clip-skip N] [--taesd DIR [--fast-decode]] [--no-safety-checker] [--out FILE.png] ' +
  '[--lora-dir DIR [--lora NAME[:WEIGHT]]… [--lora-cache DIR]]  (or <lora:NAME:WEIGHT> inside --prompt)';

const EXIT_BAD_OPTIONS = 2;
const EXIT_FAILED = 1;
const MAX_THREADS = 256;
/** img2img strength when --init is given without --strength: keeps the layout, redraws the detail. */
const DEFAULT_STRENGTH = 0.6;

class CliUsageError extends Error {}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        prompt: { type: 'string' },
        negative: { type: 'string', default: '' },
        seed: { type: 'string' },
        steps: { type: 'string' },
        cfg: { type: 'string' },
        sampler: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        count: { type: 'string', default: '1' },
        provider: { type: 'string', default: 'cpu' },
        threads: { type: 'string' },
        'allow-cpu-fallback': { type: 'boolean', default: false },
        init: { type: 'string' },
        strength: { type: 'string' },
        mask: { type: 'string' },
        'mask-blur': { type: 'string' },
        hires: { type: 'string' },
        'hires-steps': { type: 'string' },
        'hires-denoise': { type: 'string' },
        'hires-upscaler': { type: 'string' },
        upscalers: { type: 'string' },
        'clip-skip': { type: 'string' },
        taesd: { type: 'string' },
        'fast-decode': { type: 'boolean', default: false },
        'no-safety-checker': { type: 'boolean', default: false },
        out: { type: 'string', default: 'imagine.png' },
        'lora-dir': { type: 'string' },
        lora: { type: 'string', multiple: true, default: [] },
        'lora-cache': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new CliUsageError((error as Error).message.split('\n')[0]);
  }
}

function integerOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliUsageError(`--${name} must be an integer ${min}–${max}, got "${raw}"`);
  }
  return value;
}

function numberOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new CliUsageError(`--${name} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function choiceOption<T extends string>(name: string, raw: string | undefined, choices: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as T)) throw new CliUsageError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as T;
}

async function readInput(option: string, file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch {
    throw new CliUsageError(`--${option}: cannot read "${file}"`);
  }
}

interface EditOptions {
  readonly mask?: InpaintMask;
  readonly hires?: HiresFix;
}

/** --mask/--mask-blur and the --hires options; each follow-up option needs its main one. */
async function editOptions(values: ReturnType<typeof parseCommandLine>): Promise<EditOptions> {
  const maskBlur = integerOption('mask-blur', values['mask-blur'], 0, MAX_MASK_BLUR);
  if (maskBlur !== undefined && values.mask === undefined) throw new CliUsageError('--mask-blur needs --mask FILE');
  const mask = values.mask === undefined ? undefined : { source: { kind: 'image' as const, data: await readInput('mask', values.mask) }, blur: maskBlur ?? DEFAULT_MASK_BLUR };
  const scale = numberOption('hires', values.hires, MIN_HIRES_SCALE, MAX_HIRES_SCALE);
  const hiresSteps = integerOption('hires-steps', values['hires-steps'], 1, MAX_STEPS);
  const denoise = numberOption('hires-denoise', values['hires-denoise'], 0, 1);
  const upscaler = values['hires-upscaler'];
  if (upscaler !== undefined && upscaler.trim() === '') throw new CliUsageError('--hires-upscaler must be latent, lanczos or the name of a model in --upscalers DIR');
  if (scale === undefined) {
    for (const [name, value] of [['hires-steps', hiresSteps], ['hires-denoise', denoise], ['hires-upscaler', upscaler]] as const) {
      if (value !== undefined) throw new CliUsageError(`--${name} needs --hires SCALE`);
    }
  }
  const hires = scale === undefined ? undefined : { scale, denoise: denoise ?? DEFAULT_HIRES_DENOISE, upscaler: upscaler ?? HIRES_LATENT, ...(hiresSteps !== undefined ? { steps: hiresSteps } : {}) };
  return { ...(mask ? { mask } : {}), ...(hires ? { hires } : {}) };
}

function outputFile(base: string, index: number, count: number): string {
  if (count === 1) return base;
  const ext = extname(base);
  return `${base.slice(0, base.length - ext.length)}-${index + 1}${ext === '' ? '.png' : ext}`;
}

function progressWriter(): (step: number, total: number) => void {
  const tty = process.stderr.isTTY;
  const barWidth = 30;
  return (step, total) => {
    if (tty) {
      const filled = Math.round((step / total) * barWidth);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] step ${step}/${total}`);
      if (step === total) process.stderr.write('\n');
    } else {
      process.stderr.write(`step ${step}/${total}\n`);
    }
  };
}

async function main(argv: string[]): Promise<number> {
  const values = parseCommandLine(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.model === undefined) throw new CliUsageError('--model DIR is required (a diffusers/optimum ONNX folder)');
  if (values.prompt === undefined) throw new CliUsageError('--prompt TEXT is required');

  const provider = choiceOption<ExecutionProviderName>('provider', values.provider, EXECUTION_PROVIDERS) ?? 'cpu';
  const sampler = choiceOption<SamplerName>('sampler', values.sampler, SAMPLER_NAMES);
  const seed = integerOption('seed', values.seed, 0, MAX_SEED) ?? randomInt(0, MAX_SEED);
  const steps = integerOption('steps', values.steps, 1, MAX_STEPS);
  const cfg = numberOption('cfg', values.cfg, 0, MAX_GUIDANCE);
  const width = integerOption('width', values.width, MIN_SIDE, MAX_SIDE);
  const height = integerOption('height', values.height, MIN_SIDE, MAX_SIDE);
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (value !== undefined && value % SIZE_MULTIPLE !== 0) throw new CliUsageError(`--${name} must be a multiple of ${SIZE_MULTIPLE}, got ${value}`);
  }
  const count = integerOption('count', values.count, MIN_IMAGES_PER_REQUEST, MAX_IMAGES_PER_REQUEST) ?? MIN_IMAGES_PER_REQUEST;
  const threads = integerOption('threads', values.threads, 1, MAX_THREADS);
  const clipSkip = integerOption('clip-skip', values['clip-skip'], 1, MAX_CLIP_SKIP);
  const strength = numberOption('strength', values.strength, 0, 1);
  if (strength !== undefined && values.init === undefined) throw new CliUsageError('--strength needs --init FILE');
  if (values['fast-decode'] && values.taesd === undefined) throw new CliUsageError('--fast-decode needs --taesd DIR (a folder with taesd_decoder.onnx / taesdxl_decoder.onnx)');
  const initData = values.init === undefined ? undefined : await readInput('init', values.init);
  const edit = await editOptions(values);
  if (edit.mask !== undefined && initData === undefined) throw new CliUsageError('--mask needs --init FILE: the picture whose white-masked area is repainted');
  if (edit.hires !== undefined && initData !== undefined) throw new CliUsageError('--hires works on text-to-image only; leave out --init');

  const tagged = extractLoraTags(values.prompt);
  const loraAsks = [...tagged.asks, ...values.lora.map((value) => parseLoraAsk(`--lora ${value}`, value))];
  const loraDir = values['lora-dir'];
  if (loraAsks.length > 0 && loraDir === undefined) throw new CliUsageError('LoRAs need --lora-dir DIR (the folder with NAME.safetensors files)');

  const pipeline = await StableDiffusionPipeline.load(values.model, values.model.replace(/\/+$/, '').split('/').at(-1) ?? 'model', {
    provider,
    allowCpuFallback: values['allow-cpu-fallback'],
    previewEvery: 0,
    safetyChecker: !values['no-safety-checker'],
    ...(values.taesd !== undefined ? { taesdDir: values.taesd, fastDecode: values['fast-decode'] } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(values.upscalers !== undefined ? { upscalersDir: values.upscalers } : {}),
    ...(loraDir !== undefined ? { loraDir } : {}),
    ...(values['lora-cache'] !== undefined ? { loraCacheDir: values['lora-cache'] } : {}),
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  // The same per-kind defaults the bot uses (distilled models need few steps and no CFG).
  const defaults = MODEL_DEFAULTS[pipeline.info.kind];
  const showProgress = progressWriter();
  try {
    const loras = loraAsks.length === 0 ? [] : await cliLoras(loraAsks, loraDir ?? '', pipeline);
    const result = await pipeline.generate(
      {
        prompt: tagged.prompt,
        negativePrompt: values.negative,
        seed,
        numInferenceSteps: steps ?? defaults.defaultSteps,
        guidanceScale: cfg ?? defaults.defaultGuidanceScale,
        sampler: sampler ?? defaults.defaultSampler,
        width: width ?? pipeline.info.nativeSize,
        height: height ?? pipeline.info.nativeSize,
        count,
        ...(clipSkip !== undefined ? { clipSkip } : {}),
        // Inpainting repaints the masked area from scratch unless told otherwise, as A1111 and diffusers do.
        ...(initData !== undefined ? { init: { data: initData, strength: strength ?? (edit.mask !== undefined ? 1 : DEFAULT_STRENGTH) } } : {}),
        ...(edit.mask !== undefined ? { mask: edit.mask } : {}),
        ...(edit.hires !== undefined ? { hires: edit.hires } : {}),
        ...(loras.length > 0 ? { loras } : {}),
      },
      {
        onProgress: (p) => {
          if (p.phase === 'applying_lora') process.stderr.write('applying LoRA…\n');
          else if (p.preview === undefined) showProgress(p.step, p.total);
        },
      },
    );
    for (const lora of result.loras ?? []) {
      if (lora.applied < lora.total) process.stderr.write(`note: LoRA ${lora.name}: ${lora.applied} of ${lora.total} modules applied\n`);
    }
    if (result.truncatedWords.length > 0) process.stderr.write(`note: the prompt was too long; dropped: ${result.truncatedWords.join(' ')}\n`);
    const elapsedMs = Math.round(result.timings.totalMs);
    for (const [index, image] of result.images.entries()) {
      const file = outputFile(values.out, index, result.images.length);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, image.png);
      process.stdout.write(`${JSON.stringify({ file, seed: image.seed, width: image.width, height: image.height, elapsedMs, nsfw: image.nsfw })}\n`);
    }
  } finally {
    await pipeline.release();
  }
  return 0;
}

/** The same checks as /imagine: names in the folder (closest offered), weights, count, model kind. */
async function cliLoras(asks: readonly LoraAsk[], loraDir: string, pipeline: StableDiffusionPipeline): Promise<LoraRequest[]> {
  return resolveLoras(asks, await new LoraFolderCatalog(loraDir).list(), pipeline.info.name, pipeline.info.kind);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliUsageError || UserFacingError.is(error)) {
      process.stderr.write(`imagine: ${error.message}\n`);
      process.exit(EXIT_BAD_OPTIONS);
    }
    if (isPipelineError(error)) {
      process.stderr.write(`imagine: ${error.message}\n`);
      // Bad input (options, init image) is the caller's to fix, like a bad flag.
      process.exit(error.code === 'invalid_params' || error.code === 'invalid_init_image' ? EXIT_BAD_OPTIONS : EXIT_FAILED);
    }
    process.stderr.write(`imagine: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT_FAILED);
  },
);
