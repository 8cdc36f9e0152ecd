// `npm run model:download`: arguments → download with a progress bar → summary, exit code.
// 0 when the folder is complete and loads, 1 when the download or the check failed, 2 for usage.
import { join, relative } from 'node:path';
import type { CliIo } from './cli-io.js';
import { downloadModel } from './download-model.js';
import type { DownloadReport } from './download-model.js';
import type { FileOutcome } from './fetch-model-file.js';
import { MANIFEST_FILE, describeManifest, readManifest, verifyManifest } from './download-manifest.js';
import { formatBytes } from './format-bytes.js';
import { isHubOffline, withSavedHubToken } from './hub-environment.js';
import { parseModelDownloadArgs } from './model-download-args.js';
import type { ModelDownloadRequest } from './model-download-args.js';
import { ProgressBar } from './progress-bar.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

function describeOutcomes(report: DownloadReport): string {
  const counts = new Map<FileOutcome, number>();
  for (const outcome of report.outcomes.values()) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  const parts = (['downloaded', 'resumed', 'present'] as const)
    .filter((outcome) => (counts.get(outcome) ?? 0) > 0)
    .map((outcome) => `${counts.get(outcome) ?? 0} ${outcome === 'present' ? 'already present' : outcome}`);
  return `${report.files.length} files: ${parts.join(', ')}`;
}

function folderSummary(report: DownloadReport): string {
  const folder = report.folder;
  const family = folder.isXl ? 'SDXL' : 'SD 1.x/2.x';
  const hint = folder.distillation === undefined ? '' : ` (${folder.distillation === 'lcm' ? 'LCM' : 'Turbo'})`;
  const optional = [folder.parts.vaeEncoder ? 'vae_encoder' : undefined, folder.parts.safetyChecker ? 'safety_checker' : undefined].filter(Boolean);
  return `${family}${hint} layout${optional.length > 0 ? `, with ${optional.join(' and ')}` : ''}`;
}

async function checkWithPipeline(dir: string, name: string, io: CliIo): Promise<string> {
  // Loaded lazily: onnxruntime takes a moment to start and is only needed for --check.
  const { StableDiffusionPipeline } = await import('../pipeline/sd/stable-diffusion.js');
  const pipeline = await StableDiffusionPipeline.load(dir, name, {
    provider: 'cpu',
    allowCpuFallback: false,
    previewEvery: 0,
    safetyChecker: false,
    onWarning: (message) => io.stderr.write(`warning: ${message}\n`),
  });
  const { kind, nativeSize } = pipeline.info;
  await pipeline.release();
  return `onnxruntime opened every part: kind ${kind}, native size ${nativeSize}×${nativeSize}`;
}

/** Progress for a caller that reports it elsewhere (the bot's /healthz during a first start). */
export type DownloadProgressListener = (doneBytes: number, totalBytes: number) => void

async function download(request: ModelDownloadRequest, io: CliIo, onProgress?: DownloadProgressListener): Promise<number> {
  let done = 0;
  let total = 0;
  let bar: ProgressBar | undefined;
  const source = `${request.repo}@${request.revision}${request.subfolder ? ` (${request.subfolder}/)` : ''}`;
  io.stderr.write(`Fetching the ONNX parts of ${source} from ${request.hubUrl}\n`);
  try {
    const report = await downloadModel({
      ...request,
      onPlan: (plan) => {
        io.stderr.write(`${plan.files.length} files, ${formatBytes(plan.totalBytes)} in all → ${plan.dir}\n`);
        bar = new ProgressBar(io.stderr, plan.totalBytes);
        total = plan.totalBytes;
        onProgress?.(done, total);
      },
      onBytes: (bytes, from) => {
        bar?.add(bytes, from);
        done += bytes;
        onProgress?.(done, total);
      },
      onFileStart: (file) => bar?.setLabel(file.localPath),
      onFileDone: (file, outcome) => {
        if (outcome !== 'present') bar?.log(`${outcome === 'resumed' ? 'resumed' : 'fetched'} ${file.localPath} (${formatBytes(file.size)})`);
      },
      onRetry: (file, attempt, error) => bar?.log(`retry ${attempt}: ${error.message}; resuming ${file.localPath}`),
    });
    bar?.finish();
    const nearby = relative(process.cwd(), report.dir);
    const where = nearby === '' || nearby.startsWith('..') ? report.dir : nearby;
    io.stdout.write(`${request.name}: ready in ${where} (${formatBytes(report.totalBytes)}, ${describeOutcomes(report)})\n`);
    io.stdout.write(`  ${folderSummary(report)}, from ${describeManifest(report.manifest)}\n`);
    if (request.check) {
      const problems = await verifyManifest(report.dir, report.manifest, { hashes: true });
      if (problems.length > 0) throw new Error(`the folder does not match what was downloaded: ${problems.join('; ')}`);
      io.stdout.write(`  layout complete; ${report.manifest.files.length} files match their size and sha256 in ${MANIFEST_FILE}\n`);
      io.stdout.write(`  ${await checkWithPipeline(report.dir, request.name, io)}\n`);
    }
    io.stdout.write(`  Use it: add "${request.name}" to MODELS in .env (see .env.example), then npm start\n`);
    return EXIT_OK;
  } catch (error) {
    bar?.finish();
    io.stderr.write(`model:download failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
}

/** HF_HUB_OFFLINE: no request to the Hub; a folder already downloaded in full is fine as it is. */
async function offline(request: ModelDownloadRequest, io: CliIo): Promise<number> {
  const dir = join(request.modelsDir, request.name);
  const manifest = await readManifest(dir).catch(() => undefined);
  const problems = manifest === undefined ? ['it was never fully downloaded'] : await verifyManifest(dir, manifest, { hashes: request.check });
  if (manifest !== undefined && problems.length === 0) {
    io.stdout.write(`${request.name}: present in ${dir} (${describeManifest(manifest)}); HF_HUB_OFFLINE is set, so the Hub was not asked for updates\n`);
    return EXIT_OK;
  }
  io.stderr.write(`model:download: HF_HUB_OFFLINE is set and ${dir} is not usable (${problems.join('; ')}): unset HF_HUB_OFFLINE to download it, or copy the model folder there\n`);
  return EXIT_FAILED;
}

export async function runModelDownload(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo, onProgress?: DownloadProgressListener): Promise<number> {
  const parsed = parseModelDownloadArgs(argv, await withSavedHubToken(env));
  switch (parsed.kind) {
    case 'help':
      io.stdout.write(`${parsed.text}\n`);
      return EXIT_OK;
    case 'error':
      io.stderr.write(`model:download: ${parsed.message}\n`);
      return EXIT_USAGE;
    case 'download':
      return isHubOffline(env) ? offline(parsed.request, io) : download(parsed.request, io, onProgress);
  }
}
