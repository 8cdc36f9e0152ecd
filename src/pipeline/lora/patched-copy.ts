// Writes a copy of one model part with the LoRA deltas added: the files that hold patched
// initializers are copied (the kernel copies them without passing through this process) and
// patched in place; the others are linked. fp16 and bf16 weights are patched in float32 and
// rounded back.
import { copyFile, mkdir, open, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { decodeFloat16, encodeFloat16 } from '../onnx/fp16.js';
import { ONNX_DATA_TYPE } from '../onnx/onnx-graph-index.js';
import type { InitializerPatch } from './patch-plan.js';

const BFLOAT16_SHIFT = 16;
const BFLOAT16_ROUNDING_BIAS = 0x7fff;

/** Copies `modelFile` and its external data files into `dir`, patched; returns the copy's model path. */
export async function writePatchedCopy(modelFile: string, externalFiles: readonly string[], patches: readonly InitializerPatch[], dir: string): Promise<string> {
  const modelDir = dirname(modelFile);
  const copy = join(dir, basename(modelFile));
  await mkdir(dir, { recursive: true });
  await copyFile(modelFile, copy);
  const patchedFiles = new Set(patches.map((patch) => patch.target.storage.file).filter((file) => file !== undefined));
  for (const file of externalFiles) {
    const target = join(dir, file);
    await mkdir(dirname(target), { recursive: true });
    if (patchedFiles.has(file)) await copyFile(join(modelDir, file), target);
    else await symlink(resolve(modelDir, file), target);
  }
  const byFile = new Map<string, InitializerPatch[]>();
  for (const patch of patches) {
    const file = patch.target.storage.file === undefined ? copy : join(dir, patch.target.storage.file);
    byFile.set(file, [...(byFile.get(file) ?? []), patch]);
  }
  for (const [file, filePatches] of byFile) await patchFile(file, filePatches);
  return copy;
}

async function patchFile(file: string, patches: readonly InitializerPatch[]): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    for (const { target, delta } of patches) {
      const { offset, length, dataType } = target.storage;
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${file}: initializer ${target.initializer} runs past the end of the file`);
      addDelta(bytes, dataType, delta);
      await handle.write(bytes, 0, length, offset);
    }
  } finally {
    await handle.close();
  }
}

/** bytes (little-endian, as ONNX stores them) += delta, element by element. */
export function addDelta(bytes: Uint8Array, dataType: number, delta: Float32Array): void {
  const count = delta.length;
  switch (dataType) {
    case ONNX_DATA_TYPE.float: {
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, count);
      for (let i = 0; i < count; i++) values[i]! += delta[i]!;
      return;
    }
    case ONNX_DATA_TYPE.double: {
      const values = new Float64Array(bytes.buffer, bytes.byteOffset, count);
      for (let i = 0; i < count; i++) values[i]! += delta[i]!;
      return;
    }
    case ONNX_DATA_TYPE.float16: {
      const words = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
      const values = decodeFloat16(words);
      for (let i = 0; i < count; i++) values[i]! += delta[i]!;
      encodeFloat16(values, words);
      return;
    }
    case ONNX_DATA_TYPE.bfloat16: {
      const words = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
      const value = new Float32Array(1);
      const bits = new Uint32Array(value.buffer);
      for (let i = 0; i < count; i++) {
        bits[0] = (words[i]! << BFLOAT16_SHIFT) >>> 0;
        value[0]! += delta[i]!;
        const b = bits[0]!;
        words[i] = ((b + BFLOAT16_ROUNDING_BIAS + ((b >>> BFLOAT16_SHIFT) & 1)) >>> BFLOAT16_SHIFT) & 0xffff;
      }
      return;
    }
    default:
      throw new Error(`initializers of ONNX data type ${dataType} cannot take a LoRA`);
  }
}
