// Tells which execution providers really start on this machine: each one gets a tiny in-memory
// graph (y = x + x), a session and one run. Listing the backends is not enough, because a
// provider can be compiled in and still fail at session creation (no Vulkan driver, no CUDA libs).
import ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../types.js';
import { WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-wire.js';

export interface ProviderProbe {
  readonly provider: ExecutionProviderName;
  readonly ok: boolean;
  /** First line of onnxruntime's message when the provider did not start. */
  readonly error?: string;
  readonly elapsedMs: number;
}

// ONNX protobuf field numbers (onnx.proto3) and constants used by the probe graph.
const IR_VERSION = 8;
const OPSET_VERSION = 17;
const ELEM_TYPE_FLOAT = 1;
const MODEL = { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, opType: 4 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE_TENSOR = 1;
const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;

const PROBE_INPUT = 'x';
const PROBE_OUTPUT = 'y';
const PROBE_VALUE = 1.5;
// The failure is returned to the caller; onnxruntime's own stderr logging would only repeat it.
const LOG_FATAL_ONLY = 4;
const VARINT_PAYLOAD_BITS = 7;
const VARINT_PAYLOAD_MASK = 0x7f;
const VARINT_CONTINUE = 0x80;

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= VARINT_CONTINUE) {
    bytes.push((rest & VARINT_PAYLOAD_MASK) | VARINT_CONTINUE);
    rest >>>= VARINT_PAYLOAD_BITS;
  }
  bytes.push(rest);
  return bytes;
}

function key(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

function intField(field: number, value: number): number[] {
  return [...key(field, WIRE_VARINT), ...varint(value)];
}

function bytesField(field: number, payload: readonly number[]): number[] {
  return [...key(field, WIRE_LENGTH_DELIMITED), ...varint(payload.length), ...payload];
}

function stringField(field: number, text: string): number[] {
  return bytesField(field, [...new TextEncoder().encode(text)]);
}

function floatVectorInfo(name: string): number[] {
  const shape = bytesField(SHAPE_DIM, intField(DIM_VALUE, 1));
  const tensorType = [...intField(TENSOR_TYPE.elemType, ELEM_TYPE_FLOAT), ...bytesField(TENSOR_TYPE.shape, shape)];
  return [...stringField(VALUE_INFO.name, name), ...bytesField(VALUE_INFO.type, bytesField(TYPE_TENSOR, tensorType))];
}

/** A valid ONNX model, hand-encoded: one Add node that doubles a float[1]. */
function probeModelBytes(): Uint8Array {
  const node = [
    ...stringField(NODE.input, PROBE_INPUT),
    ...stringField(NODE.input, PROBE_INPUT),
    ...stringField(NODE.output, PROBE_OUTPUT),
    ...stringField(NODE.opType, 'Add'),
  ];
  const graph = [
    ...bytesField(GRAPH.node, node),
    ...stringField(GRAPH.name, 'provider-probe'),
    ...bytesField(GRAPH.input, floatVectorInfo(PROBE_INPUT)),
    ...bytesField(GRAPH.output, floatVectorInfo(PROBE_OUTPUT)),
  ];
  const opset = [...stringField(OPSET.domain, ''), ...intField(OPSET.version, OPSET_VERSION)];
  return Uint8Array.from([
    ...intField(MODEL.irVersion, IR_VERSION),
    ...stringField(MODEL.producerName, 'imagine'),
    ...bytesField(MODEL.graph, graph),
    ...bytesField(MODEL.opsetImport, opset),
  ]);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() ?? text;
}

/** Creates a session on `provider` alone and runs it once; never throws. */
export async function probeProvider(provider: ExecutionProviderName): Promise<ProviderProbe> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(probeModelBytes(), { executionProviders: [provider], logSeverityLevel: LOG_FATAL_ONLY });
    const input = new ort.Tensor('float32', Float32Array.of(PROBE_VALUE), [1]);
    const output = (await session.run({ [PROBE_INPUT]: input }))[PROBE_OUTPUT];
    const value = (output?.data as Float32Array | undefined)?.[0];
    if (value !== PROBE_VALUE * 2) {
      return { provider, ok: false, error: `the probe graph returned ${String(value)} instead of ${PROBE_VALUE * 2}`, elapsedMs: elapsed() };
    }
    return { provider, ok: true, elapsedMs: elapsed() };
  } catch (error) {
    return { provider, ok: false, error: firstLine(error), elapsedMs: elapsed() };
  } finally {
    await session?.release().catch(() => undefined);
  }
}
