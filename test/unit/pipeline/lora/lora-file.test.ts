// Reading LoRA files: safetensors bounds and dtypes, kohya and PEFT key names, what model a file is for.
import { describe, expect, it } from 'vitest';
import { loraDelta, loraShape } from '../../../../src/pipeline/lora/lora-delta.js';
import { MatMul } from '../../../../src/pipeline/onnx/matmul-model.js';
import { loraFileOf } from '../../../../src/pipeline/lora/lora-file.js';
import { kohyaModulePath, parseLoraKey } from '../../../../src/pipeline/lora/lora-keys.js';
import { parseSafetensors } from '../../../../src/pipeline/lora/safetensors.js';
import { encodeSafetensors, tensorBytes, type SafetensorsEntry } from '../../../fixtures/oracle/index.js';

describe('kohya names → torch module paths', () => {
  it.each([
    ['up_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k', 'up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k'],
    ['down_blocks_0_attentions_1_proj_in', 'down_blocks.0.attentions.1.proj_in'],
    ['mid_block_attentions_0_transformer_blocks_0_ff_net_0_proj', 'mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj'],
    ['down_blocks_1_resnets_0_time_emb_proj', 'down_blocks.1.resnets.0.time_emb_proj'],
    ['up_blocks_2_attentions_2_transformer_blocks_0_attn1_to_out_0', 'up_blocks.2.attentions.2.transformer_blocks.0.attn1.to_out.0'],
    ['text_model_encoder_layers_11_self_attn_q_proj', 'text_model.encoder.layers.11.self_attn.q_proj'],
    ['text_model_encoder_layers_0_mlp_fc1', 'text_model.encoder.layers.0.mlp.fc1'],
  ])('%s → %s', (flat, path) => {
    expect(kohyaModulePath(flat)).toBe(path);
  });

  it('reads the part and role of both conventions', () => {
    expect(parseLoraKey('lora_te2_text_model_encoder_layers_0_self_attn_k_proj.lora_up.weight')).toEqual({
      part: 'text_encoder_2', module: 'text_model.encoder.layers.0.self_attn.k_proj', role: 'up',
    });
    expect(parseLoraKey('lora_te_text_model_encoder_layers_3_mlp_fc2.alpha')).toEqual({ part: 'text_encoder', module: 'text_model.encoder.layers.3.mlp.fc2', role: 'alpha' });
    expect(parseLoraKey('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight')).toEqual({
      part: 'unet', module: 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q', role: 'down',
    });
    expect(parseLoraKey('base_model.model.text_encoder.text_model.encoder.layers.0.self_attn.v_proj.lora_B.weight')).toMatchObject({ part: 'text_encoder', role: 'up' });
    expect(parseLoraKey('some_other_tensor')).toBeUndefined();
  });
});

function file(entries: SafetensorsEntry[], metadata: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(entries, metadata);
}

describe('safetensors', () => {
  it('reads F32, F16 and BF16 tensors and the metadata', () => {
    const parsed = parseSafetensors(file([
      { name: 'a', dtype: 'F32', shape: [2], data: tensorBytes([1.5, -2], 'F32') },
      { name: 'b', dtype: 'F16', shape: [2], data: tensorBytes([0.25, 3], 'F16') },
      { name: 'c', dtype: 'BF16', shape: [1], data: tensorBytes([-4], 'BF16') },
    ], { ss_tag_frequency: '{}' }));
    expect([...parsed.tensors.get('a')!.floats()]).toEqual([1.5, -2]);
    expect([...parsed.tensors.get('b')!.floats()]).toEqual([0.25, 3]);
    expect([...parsed.tensors.get('c')!.floats()]).toEqual([-4]);
    expect(parsed.metadata).toEqual({ ss_tag_frequency: '{}' });
  });

  it('refuses a header longer than the file, ranges outside the data and other dtypes', () => {
    const good = file([{ name: 'a', dtype: 'F32', shape: [2], data: tensorBytes([1, 2], 'F32') }]);
    const lying = good.slice();
    new DataView(lying.buffer).setBigUint64(0, BigInt(good.length), true);
    expect(() => parseSafetensors(lying)).toThrow(/declares a \d+-byte header/);
    expect(() => parseSafetensors(good.subarray(0, good.length - 4))).toThrow(/claims bytes 0–8/);
    const header = JSON.stringify({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } });
    const bytes = new Uint8Array(8 + header.length + 8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    expect(() => parseSafetensors(bytes)).toThrow(/dtype I64; LoRA weights must be F16, BF16 or F32/);
    expect(() => parseSafetensors(new Uint8Array(3))).toThrow(/too short/);
  });
});

describe('LoRA files', () => {
  const lora = (entries: SafetensorsEntry[]) => loraFileOf(parseSafetensors(file(entries)), 'test.safetensors');
  const f32 = (name: string, shape: number[], values: number[]): SafetensorsEntry => ({ name, dtype: 'F32', shape, data: tensorBytes(values, 'F32') });

  it('tells SD1 from SDXL by the cross-attention width and the second text encoder', () => {
    const sd1 = lora([
      f32('lora_unet_up_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight', [1, 768], new Array(768).fill(0)),
      f32('lora_unet_up_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight', [320, 1], new Array(320).fill(0)),
    ]);
    expect(sd1.family).toBe('sd1');
    const sdxl = lora([
      f32('lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight', [1, 4], [0, 0, 0, 0]),
      f32('lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight', [4, 1], [0, 0, 0, 0]),
    ]);
    expect(sdxl.family).toBe('sdxl');
  });

  it('computes a 3×3 conv ΔW = up·down·alpha/r·weight in [out, in·kh·kw], and transposed when asked', async () => {
    const down = Array.from({ length: 2 * 1 * 9 }, (_, i) => i / 10);
    const { modules } = lora([
      f32('lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight', [2, 1, 3, 3], down),
      f32('lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight', [1, 2, 1, 1], [1, -2]),
      f32('lora_unet_down_blocks_0_resnets_0_conv1.alpha', [], [1]),
    ]);
    expect(loraShape(modules[0]!)).toEqual({ rank: 2, out: 1, inner: 9 });
    // alpha / r = 1/2, weight 0.5: scale 0.25
    const expected = Array.from({ length: 9 }, (_, k) => 0.25 * (down[k]! - 2 * down[9 + k]!));
    const matmul = await MatMul.create(1);
    try {
      for (const multiply of [undefined, matmul.multiply.bind(matmul)]) {
        const delta = await loraDelta(modules[0]!, 0.5, 'torch', multiply);
        [...delta].forEach((value, k) => expect(value).toBeCloseTo(expected[k]!, 6));
        // [1, 9] transposed is [9, 1]: the same numbers in the same order.
        expect([...(await loraDelta(modules[0]!, 0.5, 'transposed', multiply))]).toEqual([...delta]);
      }
    } finally {
      await matmul.release();
    }
  });

  it('refuses a file without LoRA weights', () => {
    expect(() => lora([f32('model.diffusion_model.weight', [1], [0])])).toThrow(/holds no LoRA weights/);
  });
});
