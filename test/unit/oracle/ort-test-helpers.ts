// Small onnxruntime-node helpers shared by the oracle tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { fromFloat16Array, toFloat16Array } from '../../fixtures/oracle/index.js';

export type FloatKind = 'float32' | 'float16';

export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'oracle-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function openSession(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
}

export function floatTensor(kind: FloatKind, values: readonly number[], dims: readonly number[]): ort.Tensor {
  return kind === 'float16'
    ? new ort.Tensor('float16', toFloat16Array(values), dims)
    : new ort.Tensor('float32', Float32Array.from(values), dims);
}

export function intTensor(kind: 'int32' | 'int64', values: readonly number[], dims: readonly number[]): ort.Tensor {
  return kind === 'int64'
    ? new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims)
    : new ort.Tensor('int32', Int32Array.from(values), dims);
}

/** A float32 or float16 output as plain numbers. */
export function readFloats(value: ort.OnnxValue | undefined): number[] {
  if (!(value instanceof ort.Tensor)) throw new Error('expected a tensor output');
  if (value.type === 'float16') return Array.from(fromFloat16Array(value.data as Uint16Array));
  if (value.type === 'float32') return Array.from(value.data as Float32Array);
  throw new Error(`expected a float output, got ${value.type}`);
}

/** name → [type, shape] of every input or output, as the pipeline will see them. */
export function ioSignature(
  metadata: readonly ort.InferenceSession.ValueMetadata[],
): Record<string, [string, (number | string)[]]> {
  return Object.fromEntries(
    metadata.map((m) => [m.name, m.isTensor ? [m.type, [...m.shape]] : ['non-tensor', []]]),
  );
}
