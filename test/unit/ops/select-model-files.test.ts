import type { ListFileEntry } from '@huggingface/hub';
import { describe, expect, it } from 'vitest';
import { MissingModelFilesError, selectModelFiles } from '../../../src/ops/select-model-files.js';

const SHA256 = 'a'.repeat(64);
const GIT_OID = 'b'.repeat(40);

function file(path: string, options: { lfs?: boolean; xet?: boolean; size?: number } = {}): ListFileEntry {
  const size = options.size ?? 10;
  return {
    type: 'file',
    path,
    size,
    oid: GIT_OID,
    ...(options.lfs ? { lfs: { oid: SHA256, size, pointerSize: 134 } } : {}),
    ...(options.xet ? { xetHash: 'c'.repeat(64) } : {}),
  };
}

const SD_EXPORT = [
  'model_index.json',
  'scheduler/scheduler_config.json',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
  'tokenizer/tokenizer_config.json',
  'tokenizer/special_tokens_map.json',
  'text_encoder/model.onnx',
  'unet/model.onnx',
  'vae_decoder/model.onnx',
];

const paths = (entries: ListFileEntry[], safetyChecker = true, subfolder?: string) =>
  selectModelFiles(entries, 'acme/x@main', { safetyChecker, ...(subfolder ? { subfolder } : {}) }).map((selected) => selected.localPath);

describe('selectModelFiles', () => {
  const decisions: ReadonlyArray<readonly [string, boolean]> = [
    ['unet/model.onnx_data', true],
    ['unet/model.onnx.data', true],
    ['unet/weights.pb', true],
    ['unet/config.json', true],
    ['unet/onnx__MatMul_9876', true],
    ['vae_decoder/config.json', true],
    ['vae_encoder/model.onnx', true],
    ['tokenizer/added_tokens.json', true],
    ['safety_checker/model.onnx', true],
    ['feature_extractor/preprocessor_config.json', true],
    ['unet/model_fp16.onnx', false],
    ['unet/model_fp16.onnx_data', false],
    ['unet/diffusion_pytorch_model.safetensors', false],
    ['unet/diffusion_pytorch_model.bin', false],
    ['text_encoder/model.fp16.safetensors', false],
    ['vae/diffusion_pytorch_model.safetensors', false],
    ['vae/config.json', false],
    ['README.md', false],
    ['.gitattributes', false],
    ['sd_xl_turbo_1.0.safetensors', false],
    ['unet/README.md', false],
    ['tokenizer/.gitkeep', false],
    ['unet/nested/model.onnx', false],
    ['scheduler/notes.md', false],
  ];

  it.each(decisions)('%s → %s', (path, expected) => {
    expect(paths([...SD_EXPORT.map((p) => file(p)), file(path)]).includes(path)).toBe(expected);
  });

  it('leaves the safety checker behind when not wanted', () => {
    const selected = paths([...SD_EXPORT.map((p) => file(p)), file('safety_checker/model.onnx'), file('feature_extractor/preprocessor_config.json')], false);
    expect(selected).not.toContain('safety_checker/model.onnx');
    expect(selected).not.toContain('feature_extractor/preprocessor_config.json');
  });

  it('strips the subfolder and ignores files outside it', () => {
    const entries = [...SD_EXPORT.map((p) => file(`onnx/${p}`)), file('unet/model.onnx'), file('onnx-extra/model_index.json')];
    expect(paths(entries, true, 'onnx/')).toEqual([...SD_EXPORT].sort());
  });

  it('takes sizes and hashes from the listing: sha256 for LFS, the git blob id for small files, none for Xet-only', () => {
    const entries = [...SD_EXPORT.map((p) => file(p)), file('unet/model.onnx_data', { lfs: true, size: 3_000_000_000 }), file('unet/weights.pb', { xet: true })];
    const byPath = new Map(selectModelFiles(entries, 'acme/x@main', { safetyChecker: true }).map((selected) => [selected.localPath, selected]));
    expect(byPath.get('unet/model.onnx_data')).toMatchObject({ repoPath: 'unet/model.onnx_data', size: 3_000_000_000, digest: { algorithm: 'sha256', hex: SHA256 } });
    expect(byPath.get('model_index.json')?.digest).toEqual({ algorithm: 'git-blob-sha1', hex: GIT_OID });
    expect(byPath.get('unet/weights.pb')?.digest).toBeUndefined();
  });

  it('names every missing part of an incomplete export', () => {
    const entries = SD_EXPORT.filter((p) => p !== 'unet/model.onnx' && p !== 'tokenizer/merges.txt').map((p) => file(p));
    expect(() => paths(entries)).toThrow(MissingModelFilesError);
    expect(() => paths(entries)).toThrow('acme/x@main is not a complete ONNX Stable Diffusion export: missing tokenizer/merges.txt, unet/model.onnx');
  });

  it('takes the second text encoder and tokenizer of an SDXL export', () => {
    const xl = ['text_encoder_2/model.onnx', 'text_encoder_2/model.onnx_data', 'tokenizer_2/vocab.json', 'tokenizer_2/merges.txt'];
    expect(paths([...SD_EXPORT, ...xl].map((p) => file(p)))).toEqual([...SD_EXPORT, ...xl].sort());
  });

  it('asks for the second tokenizer of an SDXL export', () => {
    expect(() => paths([...SD_EXPORT.map((p) => file(p)), file('text_encoder_2/model.onnx')])).toThrow('missing tokenizer_2/vocab.json, tokenizer_2/merges.txt');
  });

  it('rejects a diffusers-only repo', () => {
    expect(() => paths([file('model_index.json'), file('unet/diffusion_pytorch_model.safetensors')])).toThrow(/missing scheduler\/scheduler_config\.json.*optimum-cli export onnx/);
  });
});
