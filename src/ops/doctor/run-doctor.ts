// `npm run doctor`: checks what the configured setup needs and prints one table. `ok` only when
// nothing failed, so scripts and CI can gate on the exit code.
import type { ExecutionProviderName } from '../../pipeline/types.js';
import { checkDataDir } from './check-data-dir.js';
import { checkDiscord } from './check-discord.js';
import { checkModels } from './check-models.js';
import type { OpenModel } from './check-models.js';
import { checkNode } from './check-node.js';
import { checkProviders } from './check-providers.js';
import type { ProbeProvider } from './check-providers.js';
import { checkRedis } from './check-redis.js';
import { checkSlack } from './check-slack.js';
import { checkWorkers } from './check-workers.js';
import type { DoctorRow } from './doctor-row.js';
import { isKnownProvider, readDoctorSettings } from './doctor-settings.js';
import { formatDoctorTable } from './format-doctor-table.js';

export interface DoctorIo {
  readonly stdout: { write(text: string): unknown };
}

export interface DoctorOptions {
  /** Open every model with onnxruntime instead of checking the layout only. */
  readonly full?: boolean;
  /** Replaces the onnxruntime probe (tests); the real one by default. */
  readonly probe?: ProbeProvider;
  readonly fetch?: typeof fetch;
  readonly nodeVersion?: string;
}

export interface DoctorResult {
  readonly rows: readonly DoctorRow[];
  readonly ok: boolean;
}

async function realProbe(): Promise<ProbeProvider> {
  // onnxruntime is loaded only when the doctor runs for real.
  const { probeProvider } = await import('../../pipeline/onnx/probe-providers.js');
  return probeProvider;
}

function realOpen(provider: ExecutionProviderName, allowCpuFallback: boolean): OpenModel {
  return async (dir, name) => {
    const { StableDiffusionPipeline } = await import('../../pipeline/sd/stable-diffusion.js');
    const pipeline = await StableDiffusionPipeline.load(dir, name, { provider, allowCpuFallback, previewEvery: 0, safetyChecker: false });
    const kind = pipeline.info.kind;
    await pipeline.release();
    return kind;
  };
}

function platformsRow(rows: readonly DoctorRow[]): DoctorRow | undefined {
  const configured = rows.filter((row) => (row.check === 'discord' || row.check === 'slack') && row.status !== 'off');
  if (configured.length > 0) return undefined;
  return { check: 'platforms', status: 'ok', detail: 'no Discord or Slack token: npm start opens the local playground (see README, Quick start)' };
}

export async function runDoctor(env: NodeJS.ProcessEnv, io: DoctorIo, options: DoctorOptions = {}): Promise<DoctorResult> {
  const settings = readDoctorSettings(env);
  const fetchImpl = options.fetch ?? fetch;
  const provider = isKnownProvider(settings.provider) ? settings.provider : 'cpu';
  const rows: DoctorRow[] = [
    checkNode(options.nodeVersion),
    ...(await checkProviders(settings, options.probe ?? (await realProbe()))),
    ...(await checkModels(settings, options.full === true ? realOpen(provider, settings.allowCpuFallback) : undefined)),
    await checkDataDir(settings.dataDir),
    await checkRedis(settings.redisUrl, settings.dataDir),
    ...(settings.jobQueue === 'redis' && settings.redisUrl !== undefined ? await checkWorkers(settings.redisUrl) : []),
    await checkDiscord(settings.discordToken, settings.discordApiBase, fetchImpl),
    ...(await checkSlack(settings.slackBotToken, settings.slackAppToken, settings.slackApiUrl, fetchImpl)),
  ];
  const platforms = platformsRow(rows);
  if (platforms) rows.push(platforms);

  const failures = rows.filter((row) => row.status === 'fail').length;
  io.stdout.write(`${formatDoctorTable(rows)}\n\n`);
  io.stdout.write(
    failures === 0
      ? 'Everything the configured setup needs is in place.\n'
      : `${failures} problem${failures === 1 ? '' : 's'} (FAIL above): the bot cannot run as configured until ${failures === 1 ? 'it is' : 'they are'} fixed.\n`,
  );
  return { rows, ok: failures === 0 };
}
