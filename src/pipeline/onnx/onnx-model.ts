// The only place that touches onnxruntime-node (transformers.js' habit): one session per model
// part, created once and reused, with I/O metadata read from the graph.
import ort from 'onnxruntime-node';
import { PipelineError } from '../errors.js';
import type { ExecutionProviderName } from '../types.js';
import type { HostTensor, TensorSpec, TensorType } from './host-tensor.js';
import { float16Bits, toOrtFeed } from './ort-tensor.js';

export interface SessionOptions {
  readonly provider: ExecutionProviderName;
  readonly threads?: number;
  /** External data files given as bytes instead of read from disk (`path` as the model names it). */
  readonly externalData?: ReadonlyArray<{ readonly path: string; readonly data: Uint8Array }>;
}

/** Raw `session.run` time, summed, so benchmarks can compare the pipeline against it. */
export interface RunStats {
  runs: number;
  runMs: number;
}

export class OnnxModel {
  readonly inputs: ReadonlyMap<string, TensorSpec>;
  readonly outputs: ReadonlyMap<string, TensorSpec>;
  readonly stats: RunStats = { runs: 0, runMs: 0 };

  private constructor(
    readonly file: string,
    private readonly session: ort.InferenceSession,
  ) {
    this.inputs = specsOf(session.inputMetadata);
    this.outputs = specsOf(session.outputMetadata);
  }

  /** Loads `file` on `provider`. Fails with `provider_unavailable` or `invalid_model_folder`, naming the file. */
  static async load(file: string, options: SessionOptions): Promise<OnnxModel> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [options.provider],
      graphOptimizationLevel: 'all',
      ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
      ...(options.externalData !== undefined ? { externalData: options.externalData.map(({ path, data }) => ({ path, data })) } : {}),
    };
    try {
      return new OnnxModel(file, await ort.InferenceSession.create(file, sessionOptions));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (options.provider !== 'cpu' && looksLikeProviderFailure(reason)) {
        throw new PipelineError('provider_unavailable', `execution provider "${options.provider}" could not start: ${firstLine(reason)}`);
      }
      throw new PipelineError('invalid_model_folder', `${file}: onnxruntime could not load it: ${firstLine(reason)}`);
    }
  }

  /** A session on model bytes held in memory; `name` stands in for the file in messages. */
  static async loadBytes(bytes: Uint8Array, name: string, options: SessionOptions): Promise<OnnxModel> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [options.provider],
      ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
    };
    try {
      return new OnnxModel(name, await ort.InferenceSession.create(bytes, sessionOptions));
    } catch (error) {
      throw new PipelineError('invalid_model_folder', `${name}: onnxruntime could not load it: ${firstLine(error instanceof Error ? error.message : String(error))}`);
    }
  }

  input(name: string): TensorSpec | undefined {
    return this.inputs.get(name);
  }

  async run(feeds: Readonly<Record<string, HostTensor>>, outputNames?: readonly string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = toOrtFeed(tensor);
    const started = performance.now();
    const results = outputNames ? await this.session.run(ortFeeds, outputNames as string[]) : await this.session.run(ortFeeds);
    this.stats.runMs += performance.now() - started;
    this.stats.runs += 1;
    const out: Record<string, HostTensor> = {};
    for (const [name, value] of Object.entries(results)) out[name] = fromOrt(name, value, this.file);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function specsOf(metadata: readonly ort.InferenceSession.ValueMetadata[]): Map<string, TensorSpec> {
  const specs = new Map<string, TensorSpec>();
  for (const value of metadata) {
    if (value.isTensor) specs.set(value.name, { name: value.name, type: value.type, shape: value.shape });
    else specs.set(value.name, { name: value.name, type: 'non-tensor', shape: [] });
  }
  return specs;
}

function fromOrt(name: string, value: ort.OnnxValue, file: string): HostTensor {
  const tensor = value as ort.Tensor;
  const dims = tensor.dims;
  const type = tensor.type as TensorType;
  switch (type) {
    case 'float32':
      return { type, dims, data: tensor.data as Float32Array };
    case 'float16':
      return { type, dims, data: float16Bits(tensor.data) };
    case 'int32':
      return { type, dims, data: tensor.data as Int32Array };
    case 'int64':
      return { type, dims, data: tensor.data as BigInt64Array };
    case 'bool':
      return { type, dims, data: tensor.data as Uint8Array };
    default:
      throw new PipelineError('invalid_model_folder', `${file}: output "${name}" has unsupported type ${String(tensor.type)}`);
  }
}

function looksLikeProviderFailure(message: string): boolean {
  return /provider|cuda|webgpu|dawn|vulkan|adapter|shared librar|\.so/i.test(message);
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
