// Finding a module's weight in an ONNX graph and patching a copy: anonymous MatMul weights ([in, out]),
// named Linear weights ([out, in]) and Conv weights, stored inline or in external data.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphIndex } from '../../../../src/pipeline/onnx/onnx-graph-index.js';
import { loraFileOf } from '../../../../src/pipeline/lora/lora-file.js';
import { writePatchedCopy } from '../../../../src/pipeline/lora/patched-copy.js';
import { planPatches } from '../../../../src/pipeline/lora/patch-plan.js';
import { parseSafetensors } from '../../../../src/pipeline/lora/safetensors.js';
import { buildWeightMap } from '../../../../src/pipeline/lora/weight-map.js';
import { OnnxGraphBuilder } from '../../../fixtures/oracle/onnx-graph-builder.js';
import { encodeSafetensors, tensorBytes } from '../../../fixtures/oracle/index.js';

// A 3→2 Linear as torch.onnx writes it (anonymous, transposed), a named 2→2 Linear read through a
// Transpose, and a 1×1 conv.
const LINEAR = [1, 2, 3, 4, 5, 6]; // [in 3][out 2]
const NAMED = [1, 0, 0, 1]; // [out 2][in 2]
const CONV = [0.5, -0.5]; // [out 2][in 1][1][1]

function graph(): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder('lora_map');
  const x = g.input('x', 'float32', [1, 3]);
  const h = g.namedNode('/down_blocks.0/attentions.0/proj_in/MatMul', 'MatMul', [x, g.floats('onnx::MatMul_1', LINEAR, [3, 2])]);
  const named = g.node('Transpose', [g.floats('text_model.encoder.layers.0.mlp.fc1.weight', NAMED, [2, 2])], { perm: { ints: [1, 0] } });
  const y = g.namedNode('/text_model/encoder/layers.0/mlp/fc1/MatMul', 'MatMul', [h, named]);
  const image = g.node('Reshape', [y, g.int64s('shape', [1, 1, 1, 2], [4])]);
  const conv = g.namedNode('/conv_in/Conv', 'Conv', [image, g.floats('conv_in.weight_anon', CONV, [2, 1, 1, 1])]);
  g.outputAs('out', conv, 'float32', [1, 2, 1, 2]);
  return g;
}

describe.each([
  ['inline', false],
  ['external data', true],
])('weight map and patched copy (%s)', (_label, external) => {
  let dir: string;
  let modelFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagine-lora-map-'));
    modelFile = join(dir, 'model.onnx');
    const encoded = graph().encode(external ? { externalData: { fileName: 'model.onnx_data' } } : {});
    await writeFile(modelFile, encoded.model);
    if (encoded.externalData !== undefined) await writeFile(join(dir, 'model.onnx_data'), encoded.externalData);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('maps module paths to initializers with their layout', async () => {
    const map = buildWeightMap(await OnnxGraphIndex.read(modelFile));
    expect(map.modules.get('down_blocks.0.attentions.0.proj_in')).toMatchObject({ initializer: 'onnx::MatMul_1', layout: 'transposed' });
    expect(map.modules.get('text_model.encoder.layers.0.mlp.fc1')).toMatchObject({ initializer: 'text_model.encoder.layers.0.mlp.fc1.weight', layout: 'torch' });
    expect(map.modules.get('conv_in')).toMatchObject({ initializer: 'conv_in.weight_anon', layout: 'torch' });
    expect(map.externalFiles).toEqual(external ? ['model.onnx_data'] : []);
  });

  it('adds ΔW in the stored layout, counting modules that found no weight', async () => {
    const f32 = (name: string, shape: number[], values: number[]) => ({ name, dtype: 'F32' as const, shape, data: tensorBytes(values, 'F32') });
    const lora = loraFileOf(parseSafetensors(encodeSafetensors([
      f32('lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', [1, 3], [1, 10, 100]),
      f32('lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight', [2, 1], [1, 2]),
      f32('lora_unet_conv_in.lora_down.weight', [1, 1, 1, 1], [1]),
      f32('lora_unet_conv_in.lora_up.weight', [2, 1, 1, 1], [3, 4]),
      f32('lora_unet_mid_block_attentions_0_proj_out.lora_down.weight', [1, 3], [1, 1, 1]),
      f32('lora_unet_mid_block_attentions_0_proj_out.lora_up.weight', [2, 1], [1, 1]),
    ])), 'x.safetensors');
    const map = buildWeightMap(await OnnxGraphIndex.read(modelFile));
    const plan = await planPatches({ unet: map }, [{ name: 'x', weight: 0.5, file: lora }]);
    expect(plan.matches).toEqual([{ name: 'x', applied: 2, total: 3 }]);
    const copy = await writePatchedCopy(modelFile, map.externalFiles, plan.parts.get('unet') ?? [], join(dir, 'copy'));
    const patched = await OnnxGraphIndex.read(copy);
    // ΔW [out 2][in 3] = 0.5·[1, 2]ᵀ·[1, 10, 100], stored as [in][out].
    expect([...(await patched.readFloats('onnx::MatMul_1'))]).toEqual([1.5, 3, 8, 14, 55, 106]);
    expect([...(await patched.readFloats('conv_in.weight_anon'))]).toEqual([2, 1.5]);
    expect([...(await patched.readFloats('text_model.encoder.layers.0.mlp.fc1.weight'))]).toEqual(NAMED);
    // The original is untouched.
    expect([...(await (await OnnxGraphIndex.read(modelFile)).readFloats('onnx::MatMul_1'))]).toEqual(LINEAR);
  });
});
