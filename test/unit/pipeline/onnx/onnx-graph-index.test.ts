// The protobuf walker finds nodes and reads initializers in every encoding ONNX files use.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphIndex } from '../../../../src/pipeline/onnx/onnx-graph-index.js';
import { ProtobufError } from '../../../../src/pipeline/onnx/protobuf-wire.js';
import { toFloat16Array } from '../../../fixtures/oracle/index.js';

const { onnx } = onnxProto;
const { DataType, DataLocation } = onnx.TensorProto;
const VALUES = [0.5, -1.25, 3, 1e-3];
const EXTERNAL_FILE = 'weights.bin';
const EXTERNAL_OFFSET = 16;

let dir = '';
let file = '';

function bytesOf(array: Float32Array | Uint16Array | Float64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graph-index-'));
  const external = new Uint8Array(EXTERNAL_OFFSET + 4 * VALUES.length);
  external.set(bytesOf(Float32Array.from(VALUES)), EXTERNAL_OFFSET);
  await writeFile(join(dir, EXTERNAL_FILE), external);
  const dims = [VALUES.length];
  const model = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [
        { opType: 'LayerNormalization', input: ['x', 'gamma', 'beta'], output: ['y'], attribute: [{ name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: 1e-6 }] },
        { opType: 'Identity', input: ['y'], output: ['last_hidden_state'] },
        { opType: 'Constant', output: ['constant_value'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { dims, dataType: DataType.FLOAT, floatData: VALUES } }] },
      ],
      initializer: [
        { name: 'raw_float', dims, dataType: DataType.FLOAT, rawData: bytesOf(Float32Array.from(VALUES)) },
        { name: 'float_data', dims, dataType: DataType.FLOAT, floatData: VALUES },
        { name: 'raw_half', dims, dataType: DataType.FLOAT16, rawData: bytesOf(toFloat16Array(VALUES)) },
        { name: 'int32_half', dims, dataType: DataType.FLOAT16, int32Data: Array.from(toFloat16Array(VALUES)) },
        { name: 'raw_double', dims, dataType: DataType.DOUBLE, rawData: bytesOf(Float64Array.from(VALUES)) },
        {
          name: 'external',
          dims,
          dataType: DataType.FLOAT,
          dataLocation: DataLocation.EXTERNAL,
          externalData: [
            { key: 'location', value: EXTERNAL_FILE },
            { key: 'offset', value: String(EXTERNAL_OFFSET) },
            { key: 'length', value: String(4 * VALUES.length) },
          ],
        },
        { name: 'ids', dims, dataType: DataType.INT64, int64Data: [1, 2, 3, 4] },
      ],
    },
  }).finish();
  file = join(dir, 'model.onnx');
  await writeFile(file, model);
});

afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('OnnxGraphIndex', () => {
  it.each(['raw_float', 'float_data', 'external', 'raw_double', 'constant_value'])('reads %s as float32', async (name) => {
    const graph = await OnnxGraphIndex.read(file);
    expect(Array.from(await graph.readFloats(name))).toEqual(VALUES.map(Math.fround));
  });

  it.each(['raw_half', 'int32_half'])('reads float16 stored as %s', async (name) => {
    const graph = await OnnxGraphIndex.read(file);
    const values = Array.from(await graph.readFloats(name));
    values.forEach((v, i) => expect(v).toBeCloseTo(VALUES[i]!, 3));
  });

  it('indexes nodes with their float attributes and producers', async () => {
    const graph = await OnnxGraphIndex.read(file);
    const norm = graph.producerOf('y');
    expect(norm?.opType).toBe('LayerNormalization');
    expect(norm?.inputs).toEqual(['x', 'gamma', 'beta']);
    expect(norm?.floatAttributes.get('epsilon')).toBeCloseTo(1e-6, 12);
    expect(graph.producerOf('last_hidden_state')?.opType).toBe('Identity');
    expect(graph.tensorDims('raw_float')).toEqual([VALUES.length]);
  });

  it('refuses a tensor that is not a float type, or that does not exist, naming it', async () => {
    const graph = await OnnxGraphIndex.read(file);
    await expect(graph.readFloats('ids')).rejects.toThrow(/"ids" has data type 7/);
    await expect(graph.readFloats('nope')).rejects.toThrow(/no initializer "nope"/);
  });

  it('says which file is not an ONNX model', async () => {
    const broken = join(dir, 'broken.onnx');
    await writeFile(broken, Uint8Array.of(0x3a, 0xff, 0xff));
    await expect(OnnxGraphIndex.read(broken)).rejects.toSatisfy((error: unknown) => error instanceof ProtobufError && error.message.includes('broken.onnx'));
  });
});
