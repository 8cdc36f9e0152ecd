// The folder has the diffusers/optimum ONNX export layout and the configs a real SD1.5 export has.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOracleModel, type OracleVariant } from '../../fixtures/oracle/index.js';
import { makeTempDir } from './ort-test-helpers.js';

const TOKENIZER_FIXTURES = new URL('../../fixtures/clip-tokenizer/', import.meta.url);
const TRAILING = { timestep_spacing: 'trailing', steps_offset: 0 };
/** Writing a folder must stay cheap enough for every test file to make its own. */
const MAX_WRITE_MS = 1000;

let root = '';
let cleanup: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const temp = await makeTempDir();
  root = temp.dir;
  cleanup = temp.remove;
});

afterAll(async () => {
  await cleanup?.();
});

async function write(name: string, variant?: OracleVariant): Promise<string> {
  const dir = join(root, name);
  await writeOracleModel(dir, variant);
  return dir;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

describe('writeOracleModel', () => {
  it('writes the SD1.5 export layout, quickly', async () => {
    const started = performance.now();
    const dir = await write('default');
    expect(performance.now() - started).toBeLessThan(MAX_WRITE_MS);
    expect(await listFiles(dir)).toEqual([
      'model_index.json',
      'scheduler/scheduler_config.json',
      'text_encoder/config.json',
      'text_encoder/model.onnx',
      'tokenizer/merges.txt',
      'tokenizer/special_tokens_map.json',
      'tokenizer/tokenizer_config.json',
      'tokenizer/vocab.json',
      'unet/config.json',
      'unet/model.onnx',
      'vae_decoder/config.json',
      'vae_decoder/model.onnx',
    ]);
    expect(await readJson(join(dir, 'model_index.json'))).toMatchObject({
      _class_name: 'OnnxStableDiffusionPipeline',
      text_encoder: ['diffusers', 'OnnxRuntimeModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      unet: ['diffusers', 'OnnxRuntimeModel'],
      vae_decoder: ['diffusers', 'OnnxRuntimeModel'],
      scheduler: ['diffusers', 'PNDMScheduler'],
    });
  });

  it('adds vae_encoder and external UNet weights when asked', async () => {
    const dir = await write('encoder', { vaeEncoder: 'latent_parameters', externalData: true });
    const files = await listFiles(dir);
    expect(files).toEqual(
      expect.arrayContaining(['unet/model.onnx_data', 'vae_encoder/model.onnx', 'vae_encoder/config.json']),
    );
    expect(await readJson(join(dir, 'model_index.json'))).toMatchObject({
      vae_encoder: ['diffusers', 'OnnxRuntimeModel'],
    });
  });

  it('copies the real CLIP vocabulary and merges', async () => {
    const dir = await write('tokenizer');
    for (const file of ['vocab.json', 'merges.txt']) {
      const copied = await readFile(join(dir, 'tokenizer', file));
      expect(copied.equals(await readFile(new URL(file, TOKENIZER_FIXTURES))), file).toBe(true);
    }
  });

  it.each([
    ['<|endoftext|>', {}],
    ['!', { padToken: '!' }],
  ] as const)('declares pad token %s in both tokenizer files', async (pad, variant) => {
    const dir = await write(`pad-${pad === '!' ? 'bang' : 'eos'}`, variant);
    const config = await readJson(join(dir, 'tokenizer', 'tokenizer_config.json'));
    expect(config).toMatchObject({
      pad_token: pad,
      bos_token: { content: '<|startoftext|>' },
      eos_token: { content: '<|endoftext|>' },
      model_max_length: 77,
      do_lower_case: true,
    });
    expect(await readJson(join(dir, 'tokenizer', 'special_tokens_map.json'))).toMatchObject({ pad_token: pad });
  });

  it.each([
    ['epsilon', {}, {}],
    ['v_prediction', { predictionType: 'v_prediction' }, {}],
    ['epsilon', { schedulerConfig: TRAILING }, TRAILING],
  ] as const)('writes SD1.5’s scheduler config (%s, overrides %j)', async (prediction, v, overrides) => {
    const variant: OracleVariant = v;
    const dir = await write(`scheduler-${prediction}-${Object.keys(overrides).length}`, variant);
    expect(await readJson(join(dir, 'scheduler', 'scheduler_config.json'))).toMatchObject({
      _class_name: 'PNDMScheduler',
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      num_train_timesteps: 1000,
      steps_offset: 1,
      set_alpha_to_one: false,
      skip_prk_steps: true,
      clip_sample: false,
      prediction_type: prediction,
      ...overrides,
    });
  });

  it('writes scaling_factor to vae_decoder/config.json only when the variant sets it', async () => {
    const plain = await readJson(join(await write('vae-plain'), 'vae_decoder', 'config.json'));
    expect(plain).toMatchObject({ latent_channels: 4, sample_size: 512 });
    expect(plain).not.toHaveProperty('scaling_factor');
    const scaledDir = await write('vae-scaled', { scalingFactor: 0.13025 });
    const scaled = await readJson(join(scaledDir, 'vae_decoder', 'config.json'));
    expect(scaled).toMatchObject({ scaling_factor: 0.13025, latent_channels: 4 });
  });
});
