// A read-only index of an ONNX file's main graph: its nodes and where each initializer's data lies
// (inline, or in an external data file), so a few named tensors can be read without loading the
// whole model. Walks ModelProto → graph → node / initializer (onnx.proto field numbers below).
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { decodeFloat16 } from './fp16.js';
import { ProtobufFile } from './protobuf-file.js';
import {
  ProtobufError,
  WIRE_LENGTH_DELIMITED,
  fieldFloat32,
  fieldString,
  messageFields,
  readVarint,
  repeatedVarints,
  type WireField,
} from './protobuf-wire.js';

const MODEL_GRAPH = 7;
const GRAPH = { node: 1, initializer: 5 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, f: 2, t: 5 } as const;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, int32Data: 5, name: 8, rawData: 9, doubleData: 10, externalData: 13, dataLocation: 14 } as const;
const STRING_ENTRY = { key: 1, value: 2 } as const;
const DATA_LOCATION_EXTERNAL = 1;

/** TensorProto.DataType values this index can turn into float32. */
const DATA_TYPE = { float: 1, float16: 10, double: 11, bfloat16: 16 } as const;
const BYTES_PER_ELEMENT: Record<number, number> = { [DATA_TYPE.float]: 4, [DATA_TYPE.float16]: 2, [DATA_TYPE.double]: 8, [DATA_TYPE.bfloat16]: 2 };
const BFLOAT16_SHIFT = 16;

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** FLOAT attributes, e.g. LayerNormalization's `epsilon`. */
  readonly floatAttributes: ReadonlyMap<string, number>;
}

type TensorData =
  | {
      readonly kind: 'inline';
      readonly encoding: 'raw' | 'float_data' | 'int32_data' | 'double_data';
      readonly bytes: () => Promise<Uint8Array>;
      /** Where raw_data lies in the model file (absent for Constant nodes). */
      readonly fileStart: number | undefined;
      readonly length: number;
    }
  | { readonly kind: 'external'; readonly location: string; readonly offset: number; readonly length: number | undefined };

export const ONNX_DATA_TYPE = DATA_TYPE;

export interface TensorStorage {
  readonly dataType: number;
  readonly dims: readonly number[];
  /** The external data file as the model names it (relative to the model's folder), or undefined for raw_data in the model file. */
  readonly file: string | undefined;
  readonly offset: number;
  readonly length: number;
}

interface TensorEntry {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  readonly data: TensorData | undefined;
}

/** Where a message's fields come from: a file (read lazily) or bytes in memory. */
interface FieldSource {
  fields(start: number, end: number): AsyncIterable<WireField>;
  view(start: number, length: number): Promise<Uint8Array>;
}

class MemorySource implements FieldSource {
  constructor(private readonly bytes: Uint8Array) {}
  async *fields(start: number, end: number): AsyncGenerator<WireField> {
    yield* messageFields(this.bytes, start, end);
  }
  async view(start: number, length: number): Promise<Uint8Array> {
    return this.bytes.subarray(start, start + length);
  }
}

export class OnnxGraphIndex {
  private readonly producers = new Map<string, OnnxNode>();

  private constructor(
    readonly file: string,
    readonly nodes: readonly OnnxNode[],
    private readonly tensors: ReadonlyMap<string, TensorEntry>,
  ) {
    for (const node of nodes) for (const output of node.outputs) this.producers.set(output, node);
  }

  static async read(file: string): Promise<OnnxGraphIndex> {
    const proto = await ProtobufFile.open(file);
    try {
      const nodes: OnnxNode[] = [];
      const tensors = new Map<string, TensorEntry>();
      for await (const field of proto.fields()) {
        if (field.field !== MODEL_GRAPH || field.wireType !== WIRE_LENGTH_DELIMITED) continue;
        for await (const entry of proto.fields(field.start, field.end)) {
          if (entry.wireType !== WIRE_LENGTH_DELIMITED) continue;
          if (entry.field === GRAPH.node) {
            const node = await parseNode(await proto.read(entry.start, entry.end - entry.start), tensors);
            nodes.push(node);
          } else if (entry.field === GRAPH.initializer) {
            const tensor = await parseTensor(proto, entry.start, entry.end, (start, length) => readRange(file, start, length));
            tensors.set(tensor.name, tensor);
          }
        }
      }
      return new OnnxGraphIndex(file, nodes, tensors);
    } catch (error) {
      if (error instanceof ProtobufError) throw new ProtobufError(`${file} is not a readable ONNX model: ${error.message}`);
      throw error;
    } finally {
      await proto.close();
    }
  }

  /** Initializer (or Constant node output) names. */
  tensorNames(): string[] {
    return [...this.tensors.keys()];
  }

  hasTensor(name: string): boolean {
    return this.tensors.has(name);
  }

  tensorDims(name: string): readonly number[] | undefined {
    return this.tensors.get(name)?.dims;
  }

  /**
   * Where a float initializer's bytes lie, for patching them in a copy of the file: the model file
   * itself (raw_data) or its external data file. Undefined for tensors stored any other way.
   */
  tensorStorage(name: string): TensorStorage | undefined {
    const tensor = this.tensors.get(name);
    const elementBytes = tensor === undefined ? undefined : BYTES_PER_ELEMENT[tensor.dataType];
    if (tensor === undefined || elementBytes === undefined || tensor.data === undefined) return undefined;
    const count = tensor.dims.reduce((product, dim) => product * dim, 1);
    const base = { dataType: tensor.dataType, dims: tensor.dims, length: count * elementBytes };
    const data = tensor.data;
    if (data.kind === 'external') return { ...base, file: data.location, offset: data.offset };
    if (data.encoding !== 'raw' || data.fileStart === undefined || data.length !== base.length) return undefined;
    return { ...base, file: undefined, offset: data.fileStart };
  }

  /** Every external data file the initializers name, relative to the model's folder. */
  externalFiles(): string[] {
    const files = new Set<string>();
    for (const tensor of this.tensors.values()) if (tensor.data?.kind === 'external') files.add(tensor.data.location);
    return [...files];
  }

  /** The node that outputs `name`. */
  producerOf(name: string): OnnxNode | undefined {
    return this.producers.get(name);
  }

  /** A float tensor's values as float32, wherever they are stored. */
  async readFloats(name: string): Promise<Float32Array> {
    const tensor = this.tensors.get(name);
    if (!tensor) throw new ProtobufError(`${this.file} has no initializer "${name}"`);
    const elementBytes = BYTES_PER_ELEMENT[tensor.dataType];
    if (elementBytes === undefined) throw new ProtobufError(`${this.file}: initializer "${name}" has data type ${tensor.dataType}, not a float type`);
    const count = tensor.dims.reduce((product, dim) => product * dim, 1);
    const data = tensor.data;
    if (!data) return new Float32Array(count);
    if (data.kind === 'external') {
      const location = isAbsolute(data.location) ? data.location : join(dirname(this.file), data.location);
      const raw = await readRange(location, data.offset, data.length ?? count * elementBytes);
      return decodeRaw(raw, tensor.dataType, count);
    }
    const bytes = await data.bytes();
    switch (data.encoding) {
      case 'raw':
      case 'float_data':
        return decodeRaw(bytes, data.encoding === 'float_data' ? DATA_TYPE.float : tensor.dataType, count);
      case 'double_data':
        return decodeRaw(bytes, DATA_TYPE.double, count);
      case 'int32_data':
        return decodeHalfWords(bytes, tensor.dataType, count);
    }
  }
}

async function readRange(file: string, start: number, length: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    if (bytesRead < length) throw new ProtobufError(`${file}: expected ${length} bytes at offset ${start}, found ${bytesRead}`);
    return buffer;
  } finally {
    await handle.close();
  }
}

async function parseNode(bytes: Uint8Array, tensors: Map<string, TensorEntry>): Promise<OnnxNode> {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const floatAttributes = new Map<string, number>();
  const tensorAttributes: Array<{ start: number; end: number }> = [];
  let name = '';
  let opType = '';
  for (const field of messageFields(bytes)) {
    if (field.field === NODE.input) inputs.push(fieldString(bytes, field));
    else if (field.field === NODE.output) outputs.push(fieldString(bytes, field));
    else if (field.field === NODE.name) name = fieldString(bytes, field);
    else if (field.field === NODE.opType) opType = fieldString(bytes, field);
    else if (field.field === NODE.attribute) {
      let attributeName = '';
      let value: number | undefined;
      let tensor: { start: number; end: number } | undefined;
      for (const attribute of messageFields(bytes, field.start, field.end)) {
        if (attribute.field === ATTRIBUTE.name) attributeName = fieldString(bytes, attribute);
        else if (attribute.field === ATTRIBUTE.f) value = fieldFloat32(bytes, attribute);
        else if (attribute.field === ATTRIBUTE.t) tensor = { start: attribute.start, end: attribute.end };
      }
      if (value !== undefined) floatAttributes.set(attributeName, value);
      if (tensor && attributeName === 'value') tensorAttributes.push(tensor);
    }
  }
  // A Constant node's tensor is as good as an initializer named after the node's output.
  const output = outputs[0];
  const constant = tensorAttributes[0];
  if (opType === 'Constant' && output !== undefined && constant !== undefined) {
    const source = new MemorySource(bytes);
    const tensor = await parseTensor(source, constant.start, constant.end, async () => {
      throw new ProtobufError('a Constant node cannot refer to external data');
    });
    tensors.set(output, { ...tensor, name: output });
  }
  return { name, opType, inputs, outputs, floatAttributes };
}

async function parseTensor(
  source: FieldSource,
  start: number,
  end: number,
  readFileRange: (start: number, length: number) => Promise<Uint8Array>,
): Promise<TensorEntry> {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let inline: TensorData | undefined;
  let external = false;
  const externalEntries = new Map<string, string>();
  for await (const field of source.fields(start, end)) {
    const length = field.end - field.start;
    switch (field.field) {
      case TENSOR.dims:
        if (field.wireType === WIRE_LENGTH_DELIMITED) dims.push(...repeatedVarints(await source.view(field.start, length), { ...field, start: 0, end: length }));
        else dims.push(field.value);
        break;
      case TENSOR.dataType:
        dataType = field.value;
        break;
      case TENSOR.name:
        name = fieldString(await source.view(field.start, length), { ...field, start: 0, end: length });
        break;
      case TENSOR.rawData:
      case TENSOR.floatData:
      case TENSOR.int32Data:
      case TENSOR.doubleData: {
        const encoding = field.field === TENSOR.rawData ? 'raw' : field.field === TENSOR.floatData ? 'float_data' : field.field === TENSOR.int32Data ? 'int32_data' : 'double_data';
        const { start: dataStart } = field;
        // In memory the bytes are at hand; in a file they are read only when asked for.
        const bytes = source instanceof MemorySource ? await source.view(dataStart, length) : undefined;
        inline = {
          kind: 'inline',
          encoding,
          bytes: async () => bytes ?? (await readFileRange(dataStart, length)),
          fileStart: source instanceof MemorySource ? undefined : dataStart,
          length,
        };
        break;
      }
      case TENSOR.externalData: {
        const entry = await source.view(field.start, length);
        let key = '';
        let value = '';
        for (const part of messageFields(entry)) {
          if (part.field === STRING_ENTRY.key) key = fieldString(entry, part);
          else if (part.field === STRING_ENTRY.value) value = fieldString(entry, part);
        }
        externalEntries.set(key, value);
        break;
      }
      case TENSOR.dataLocation:
        external = field.value === DATA_LOCATION_EXTERNAL;
        break;
      default:
        break;
    }
  }
  const location = externalEntries.get('location');
  if (external && location !== undefined) {
    const length = externalEntries.get('length');
    return {
      name,
      dataType,
      dims,
      data: { kind: 'external', location, offset: Number(externalEntries.get('offset') ?? 0), length: length === undefined ? undefined : Number(length) },
    };
  }
  return { name, dataType, dims, data: inline };
}

function decodeRaw(raw: Uint8Array, dataType: number, count: number): Float32Array {
  const elementBytes = BYTES_PER_ELEMENT[dataType] ?? 0;
  if (raw.length < count * elementBytes) throw new ProtobufError(`tensor data holds ${raw.length} bytes, expected ${count * elementBytes}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  switch (dataType) {
    case DATA_TYPE.float:
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * elementBytes, true);
      return out;
    case DATA_TYPE.double:
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * elementBytes, true);
      return out;
    case DATA_TYPE.float16: {
      const bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * elementBytes, true);
      return decodeFloat16(bits, out);
    }
    default:
      return decodeBfloat16(count, (i) => view.getUint16(i * elementBytes, true), out);
  }
}

/** float16 / bfloat16 stored one value per int32_data varint. */
function decodeHalfWords(bytes: Uint8Array, dataType: number, count: number): Float32Array {
  const words: number[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const varint = readVarint(bytes, pos);
    words.push(varint.value);
    pos = varint.next;
  }
  if (words.length < count) throw new ProtobufError(`tensor int32_data holds ${words.length} values, expected ${count}`);
  if (dataType === DATA_TYPE.float16) return decodeFloat16(Uint16Array.from(words.slice(0, count)));
  return decodeBfloat16(count, (i) => words[i] ?? 0, new Float32Array(count));
}

function decodeBfloat16(count: number, wordAt: (i: number) => number, out: Float32Array): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, count);
  for (let i = 0; i < count; i++) bits[i] = (wordAt(i) << BFLOAT16_SHIFT) >>> 0;
  return out;
}
