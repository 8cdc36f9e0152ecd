import { describe, expect, it } from 'vitest';
import { parseModelDownloadArgs } from '../../../src/ops/model-download-args.js';
import { MODEL_PRESETS } from '../../../src/ops/model-presets.js';

describe('parseModelDownloadArgs', () => {
  it('fills a preset with defaults from the environment', () => {
    const parsed = parseModelDownloadArgs(['sd-turbo'], { HF_ENDPOINT: 'http://127.0.0.1:9/', HF_TOKEN: 'hf_abc', MODELS_DIR: '/srv/models' });
    expect(parsed).toEqual({
      kind: 'download',
      request: {
        repo: MODEL_PRESETS['sd-turbo']?.repo,
        revision: 'main',
        hubUrl: 'http://127.0.0.1:9',
        name: 'sd-turbo',
        modelsDir: '/srv/models',
        safetyChecker: true,
        retries: 3,
        check: false,
        accessToken: 'hf_abc',
      },
    });
  });

  it('lets options override a preset', () => {
    const parsed = parseModelDownloadArgs(['sd15', '--repo', 'me/my-sd15', '--revision', 'v2', '--subfolder', 'onnx', '--name', 'mine', '--no-safety-checker', '--check', '--retries', '0', '--models-dir', 'm'], {});
    expect(parsed).toMatchObject({
      kind: 'download',
      request: { repo: 'me/my-sd15', revision: 'v2', subfolder: 'onnx', name: 'mine', safetyChecker: false, check: true, retries: 0, modelsDir: 'm', hubUrl: 'https://huggingface.co' },
    });
  });

  it('takes any repo id, naming the folder after the repo', () => {
    expect(parseModelDownloadArgs(['someone/dreamshaper-8-onnx'], {})).toMatchObject({ kind: 'download', request: { repo: 'someone/dreamshaper-8-onnx', name: 'dreamshaper-8-onnx', modelsDir: 'models' } });
  });

  it('treats empty variables as unset', () => {
    expect(parseModelDownloadArgs(['sd15'], { HF_TOKEN: '', HF_ENDPOINT: ' ', MODELS_DIR: '' })).toMatchObject({ kind: 'download', request: { hubUrl: 'https://huggingface.co', modelsDir: 'models' } });
  });

  const errors: ReadonlyArray<readonly [string, string[], NodeJS.ProcessEnv, string]> = [
    ['no target', [], {}, 'give exactly one preset'],
    ['two targets', ['sd15', 'sd-turbo'], {}, 'give exactly one preset'],
    ['an unknown name', ['sd99'], {}, '"sd99" is neither a preset (sd15, sd-turbo, sdxl-turbo) nor a Hub repo id'],
    ['an unknown option', ['sd15', '--fast'], {}, "Unknown option '--fast'"],
    ['bad retries', ['sd15', '--retries', 'many'], {}, '--retries must be a whole number from 0 to 20'],
    ['a token of the wrong kind', ['sd15'], { HF_TOKEN: 'ghp_123' }, 'HF_TOKEN must be a Hugging Face access token starting with hf_'],
    ['an endpoint that is not a URL', ['sd15'], { HF_ENDPOINT: 'hf-mirror.example' }, 'HF_ENDPOINT must be an http(s) URL'],
  ];

  it.each(errors)('explains %s', (_name, argv, env, message) => {
    const parsed = parseModelDownloadArgs(argv, env);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' ? parsed.message : '').toContain(message);
  });

  it('prints help listing every preset and its repo', () => {
    const parsed = parseModelDownloadArgs(['--help'], {});
    expect(parsed.kind).toBe('help');
    for (const preset of Object.values(MODEL_PRESETS)) expect(parsed.kind === 'help' ? parsed.text : '').toContain(preset.repo);
  });
});
