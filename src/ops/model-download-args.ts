// Reads `model:download` arguments and the environment into download options, with one-line
// reasons for anything wrong. No I/O here, so every rule is easy to test.
import { parseArgs } from 'node:util';
import { DEFAULT_HUB_URL, DEFAULT_RETRIES } from './download-model.js';
import type { DownloadModelOptions } from './download-model.js';
import { MODEL_PRESETS, presetNames } from './model-presets.js';

export const DEFAULT_MODELS_DIR = 'models';
const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const MAX_RETRIES = 20;

export type ModelDownloadRequest = Omit<DownloadModelOptions, 'onPlan' | 'onBytes' | 'onFileStart' | 'onFileDone' | 'onRetry'> & {
  /** Open the folder with the real pipeline on cpu after downloading. */
  readonly check: boolean;
};

export type ParsedArgs =
  | { readonly kind: 'download'; readonly request: ModelDownloadRequest }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'error'; readonly message: string };

export function usage(): string {
  const presets = Object.values(MODEL_PRESETS)
    .map((preset) => `  ${preset.name.padEnd(11)} ${preset.repo}\n              ${preset.description}`)
    .join('\n');
  return [
    'Usage: npm run model:download -- <preset | owner/repo> [options]',
    '',
    'Presets:',
    presets,
    '',
    'Options:',
    '  --revision R          branch, tag or commit (default: the preset\'s, else main)',
    '  --subfolder S         folder of the repo that holds the ONNX export',
    '  --name N              folder under MODELS_DIR and the model\'s name in the bot (default: preset or repo name)',
    '  --repo R              use another repo with a preset\'s name and settings',
    '  --models-dir DIR      where models live (default: MODELS_DIR or ./models)',
    '  --no-safety-checker   skip safety_checker/ even when the repo has it',
    '  --retries N           automatic resumes per file after a broken connection (default 3)',
    '  --check               check the layout and every file against the manifest (sha256), then open',
    '                        the model with onnxruntime (cpu) to be sure it runs',
    '',
    'Environment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (for gated or private repos; else the token',
    '`hf auth login` saved in $HF_HOME/token), HF_HUB_OFFLINE=1 (never ask the Hub), MODELS_DIR.',
    'Each download records the repo, its commit and every file\'s size and sha256 in download-manifest.json.',
    'An interrupted download resumes where it stopped when the command is run again.',
  ].join('\n');
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The command's flags; parseArgs throws on one it does not know. */
function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      revision: { type: 'string' },
      subfolder: { type: 'string' },
      name: { type: 'string' },
      repo: { type: 'string' },
      'models-dir': { type: 'string' },
      'no-safety-checker': { type: 'boolean', default: false },
      retries: { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

export function parseModelDownloadArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    return { kind: 'error', message: `${(error as Error).message}; see --help` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help', text: usage() };
  if (positionals.length !== 1) {
    return { kind: 'error', message: `give exactly one preset (${presetNames().join(', ')}) or Hub repo id such as owner/name; see --help` };
  }
  const target = positionals[0] ?? '';
  const preset = MODEL_PRESETS[target];
  const repo = nonBlank(values.repo) ?? preset?.repo ?? target;
  if (!REPO_ID.test(repo)) {
    return { kind: 'error', message: `"${repo}" is neither a preset (${presetNames().join(', ')}) nor a Hub repo id such as owner/name` };
  }

  const retriesText = values.retries ?? String(DEFAULT_RETRIES);
  const retries = Number(retriesText);
  if (!/^\d+$/.test(retriesText) || retries > MAX_RETRIES) {
    return { kind: 'error', message: `--retries must be a whole number from 0 to ${MAX_RETRIES}, got "${retriesText}"` };
  }

  const accessToken = nonBlank(env['HF_TOKEN']);
  if (accessToken !== undefined && !accessToken.startsWith('hf_')) {
    return { kind: 'error', message: 'HF_TOKEN must be a Hugging Face access token starting with hf_ (Settings → Access Tokens)' };
  }
  const hubUrl = (nonBlank(env['HF_ENDPOINT']) ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(hubUrl)) {
    return { kind: 'error', message: `HF_ENDPOINT must be an http(s) URL such as ${DEFAULT_HUB_URL}, got "${hubUrl}"` };
  }

  const subfolder = nonBlank(values.subfolder) ?? preset?.subfolder;
  const request: ModelDownloadRequest = {
    repo,
    revision: nonBlank(values.revision) ?? preset?.revision ?? 'main',
    hubUrl,
    name: nonBlank(values.name) ?? preset?.name ?? repo.split('/').pop() ?? repo,
    modelsDir: nonBlank(values['models-dir']) ?? nonBlank(env['MODELS_DIR']) ?? DEFAULT_MODELS_DIR,
    safetyChecker: !values['no-safety-checker'],
    retries,
    check: values.check,
    ...(subfolder !== undefined ? { subfolder } : {}),
    ...(accessToken !== undefined ? { accessToken } : {}),
  };
  return { kind: 'download', request };
}
