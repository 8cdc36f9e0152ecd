// Opens one ONNX session per part of a model folder, once, on one execution provider. The UNet
// goes first: if the requested provider cannot start, that is where it shows, and cpu is used
// instead only when the user allowed it. A part that fails to open releases the ones before it.
import { access } from 'node:fs/promises';
import { PipelineError } from '../errors.js';
import type { ModelFolder } from '../model/model-folder.js';
import { OnnxModel } from '../onnx/onnx-model.js';
import { TAESD_DECODER_FILES, taesdDecoderFile } from '../vae/taesd-decoder.js';
import type { ExecutionProviderName } from '../types.js';

export interface PartOptions {
  readonly provider: ExecutionProviderName;
  readonly allowCpuFallback: boolean;
  readonly threads?: number;
  readonly safetyChecker: boolean;
  readonly taesdDir?: string;
  readonly onWarning?: (message: string) => void;
}

export interface PipelineParts {
  readonly textEncoder: OnnxModel;
  readonly textEncoder2: OnnxModel | undefined;
  readonly unet: OnnxModel;
  readonly vaeDecoder: OnnxModel;
  readonly vaeEncoder: OnnxModel | undefined;
  readonly safetyChecker: OnnxModel | undefined;
  readonly taesdDecoder: OnnxModel | undefined;
}

async function openModel(file: string, options: PartOptions, provider: ExecutionProviderName): Promise<OnnxModel> {
  return OnnxModel.load(file, { provider, ...(options.threads !== undefined ? { threads: options.threads } : {}) });
}

async function resolveProvider(file: string, options: PartOptions): Promise<{ model: OnnxModel; provider: ExecutionProviderName }> {
  try {
    return { model: await openModel(file, options, options.provider), provider: options.provider };
  } catch (error) {
    if (!(error instanceof PipelineError) || error.code !== 'provider_unavailable' || !options.allowCpuFallback) throw error;
    options.onWarning?.(`${error.message}; falling back to cpu`);
    return { model: await openModel(file, options, 'cpu'), provider: 'cpu' };
  }
}

async function requireTaesdFile(dir: string, folder: ModelFolder): Promise<string> {
  const file = taesdDecoderFile(dir, folder.isXl ? 'sdxl' : 'sd');
  try {
    await access(file);
  } catch {
    throw new PipelineError(
      'invalid_model_folder',
      `${file} is missing: the TAESD folder needs ${TAESD_DECODER_FILES.sd} for SD1/SD2 models and ${TAESD_DECODER_FILES.sdxl} for SDXL models`,
    );
  }
  return file;
}

export async function openPipelineParts(folder: ModelFolder, options: PartOptions): Promise<{ parts: PipelineParts; provider: ExecutionProviderName }> {
  const taesdFile = options.taesdDir === undefined ? undefined : await requireTaesdFile(options.taesdDir, folder);
  const { model: unet, provider } = await resolveProvider(folder.parts.unet, options);
  const opened: OnnxModel[] = [unet];
  const open = async (file: string | undefined): Promise<OnnxModel | undefined> => {
    if (file === undefined) return undefined;
    const model = await openModel(file, options, provider);
    opened.push(model);
    return model;
  };
  try {
    const parts: PipelineParts = {
      unet,
      textEncoder: (await open(folder.parts.textEncoder))!,
      textEncoder2: await open(folder.parts.textEncoder2),
      vaeDecoder: (await open(folder.parts.vaeDecoder))!,
      vaeEncoder: await open(folder.parts.vaeEncoder),
      safetyChecker: await open(options.safetyChecker ? folder.parts.safetyChecker : undefined),
      taesdDecoder: await open(taesdFile),
    };
    return { parts, provider };
  } catch (error) {
    await Promise.allSettled(opened.map((model) => model.release()));
    throw error;
  }
}

export async function releaseParts(parts: PipelineParts): Promise<void> {
  await Promise.all(Object.values(parts).map((model: OnnxModel | undefined) => model?.release()));
}
