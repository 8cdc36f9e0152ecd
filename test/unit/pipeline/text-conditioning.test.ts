// Plain prompts must condition exactly as before weighting and chunking existed: the text
// encoder's own output for BOS + tokens + EOS + padding, bit for bit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipTextEncoder } from '../../../src/pipeline/text/clip-text-encoder.js';
import { readTextEncoderSignature } from '../../../src/pipeline/model/model-signature.js';
import { intTensor, toFloat32 } from '../../../src/pipeline/onnx/host-tensor.js';
import { OnnxModel } from '../../../src/pipeline/onnx/onnx-model.js';
import { TextConditioner } from '../../../src/pipeline/text/text-conditioning.js';
import { ClipTokenizer } from '../../../src/pipeline/text/tokenizer/clip-tokenizer.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';

const TOKENS = 77;
let dir = '';
let model: OnnxModel;
let tokenizer: ClipTokenizer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conditioning-'));
  await writeOracleModel(dir, { idsType: 'int64' });
  model = await OnnxModel.load(join(dir, 'text_encoder', 'model.onnx'), { provider: 'cpu', threads: 1 });
  tokenizer = await ClipTokenizer.fromFolder(join(dir, 'tokenizer'));
});

afterAll(async () => {
  await model?.release();
  await rm(dir, { recursive: true, force: true });
});

async function direct(text: string): Promise<Buffer> {
  const out = await model.run({ input_ids: intTensor('int64', tokenizer.encode(text).inputIds, [1, TOKENS]) }, ['last_hidden_state']);
  return Buffer.from(toFloat32(out['last_hidden_state']!).slice().buffer);
}

function bytes(values: Float32Array | undefined): Buffer {
  return Buffer.from(values!.slice().buffer);
}

describe('TextConditioner on plain prompts', () => {
  it.each([1, 3])('gives the encoder’s own output bit for bit (max %i chunk(s)), negative and prompt in one call', async (maxChunks) => {
    const conditioner = new TextConditioner([new ClipTextEncoder(tokenizer, model, readTextEncoderSignature(model))], { family: 'sd', maxChunks });
    const prompt = 'a cute magical flying ghost dog, fantasy art';
    const negative = 'blurry, low quality';
    const before = model.stats.runs;
    const conditioning = await conditioner.encode(prompt, negative, true);
    expect(model.stats.runs - before).toBe(1);
    expect(conditioning.tokens).toBe(TOKENS);
    expect(bytes(conditioning.cond).equals(await direct(prompt))).toBe(true);
    expect(bytes(conditioning.uncond).equals(await direct(negative))).toBe(true);
    expect(conditioning.pooled).toBeUndefined();
  });

  it('skips the negative prompt without guidance', async () => {
    const conditioner = new TextConditioner([new ClipTextEncoder(tokenizer, model, readTextEncoderSignature(model))], { family: 'sd' });
    const conditioning = await conditioner.encode('a cat', 'a dog', false);
    expect(conditioning.uncond).toBeUndefined();
    expect(bytes(conditioning.cond).equals(await direct('a cat'))).toBe(true);
  });
});
