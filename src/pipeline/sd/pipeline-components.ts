// Turns opened sessions into the pipeline's working parts: reads every graph's signature, checks
// that they fit together (SDXL needs hidden states, text_embeds and time_ids), works out the model
// kind, and describes the result for the layers above.
import { ClipTextEncoder, type ConditioningFamily } from '../text/clip-text-encoder.js';
import { PipelineError } from '../errors.js';
import { modelKindOf, type ModelFolder } from '../model/model-folder.js';
import {
  CLIP_MAX_LENGTH,
  checkHiddenSizes,
  readTextEncoderSignature,
  readUnetSignature,
  readVaeDecoderSignature,
  readVaeEncoderSignature,
  type UnetSignature,
} from '../model/model-signature.js';
import type { PipelineParts } from './pipeline-parts.js';
import { latentPreviewRenderer, taesdPreviewRenderer, type PreviewRenderer } from '../vae/preview-renderer.js';
import { DEFAULT_MAX_CHUNKS } from '../text/prompt/build-weighted-chunks.js';
import { SafetyChecker } from '../vae/safety-checker.js';
import type { SchedulerConfig } from '../schedulers/scheduler.js';
import { TaesdDecoder } from '../vae/taesd-decoder.js';
import { TextConditioner } from '../text/text-conditioning.js';
import type { ClipTokenizer } from '../text/tokenizer/clip-tokenizer.js';
import type { ExecutionProviderName, ModelKind } from '../types.js';
import { VaeDecoder, VaeEncoder } from '../vae/vae.js';

export interface PipelineInfo {
  readonly name: string;
  readonly kind: ModelKind;
  readonly provider: ExecutionProviderName;
  /** Native size of the model, e.g. 512 for SD1, 1024 for SDXL. */
  readonly nativeSize: number;
  readonly hasVaeEncoder: boolean;
  /** The folder has a safety checker and it is turned on. */
  readonly hasSafetyChecker: boolean;
  readonly supportsClipSkip: boolean;
  /** A TAESD decoder is loaded (previews, and the final decode with `fastDecode`). */
  readonly hasTaesd: boolean;
  /** Longest prompt in tokens before words are dropped (75 per 77-token chunk). */
  readonly maxPromptTokens: number;
}

export interface PipelineComponents {
  readonly info: PipelineInfo;
  readonly parts: PipelineParts;
  readonly conditioner: TextConditioner;
  readonly unetSignature: UnetSignature;
  readonly schedulerConfig: SchedulerConfig;
  readonly decoder: VaeDecoder;
  readonly encoder: VaeEncoder | undefined;
  readonly safetyChecker: SafetyChecker | undefined;
  readonly taesd: TaesdDecoder | undefined;
  readonly previews: PreviewRenderer;
}

export interface ComponentSources {
  readonly folder: ModelFolder;
  readonly parts: PipelineParts;
  readonly provider: ExecutionProviderName;
  /** tokenizer/ and, for SDXL, tokenizer_2/. */
  readonly tokenizers: readonly ClipTokenizer[];
  readonly schedulerConfig: SchedulerConfig;
  readonly name: string;
}

/** Tokens per chunk that carry text: 77 minus BOS and EOS. */
const CHUNK_TEXT_TOKENS = CLIP_MAX_LENGTH - 2;
/** A VAE sample_size below this is a latent size, not the image size. */
const MIN_IMAGE_SAMPLE_SIZE = 256;
const NATIVE_SIZES: Record<ModelKind, number> = { sd1: 512, sd2: 768, sdxl: 1024, 'sd-turbo': 512, 'sdxl-turbo': 1024, lcm: 512 };

function nativeSizeOf(kind: ModelKind, folder: ModelFolder): number {
  if (folder.vaeSampleSize !== undefined && folder.vaeSampleSize >= MIN_IMAGE_SAMPLE_SIZE) return folder.vaeSampleSize;
  return NATIVE_SIZES[kind];
}

function requireSdxlInputs(encoders: readonly ClipTextEncoder[], parts: PipelineParts, unet: UnetSignature): void {
  for (const encoder of encoders) encoder.layerFor('sdxl'); // both must expose hidden_states.N
  if (!encoders[1]?.signature.hasTextEmbeds) {
    throw new PipelineError('invalid_model_folder', `${parts.textEncoder2?.file ?? 'text_encoder_2/model.onnx'}: has no "text_embeds" output, which SDXL's UNet needs`);
  }
  if (!unet.textEmbeds || !unet.timeIds) {
    throw new PipelineError('invalid_model_folder', `${parts.unet.file}: an SDXL UNet takes "text_embeds" and "time_ids"; inputs are ${[...parts.unet.inputs.keys()].join(', ')}`);
  }
}

export function assembleComponents({ folder, parts, provider, tokenizers, schedulerConfig, name }: ComponentSources): PipelineComponents {
  const textModels = [parts.textEncoder, parts.textEncoder2].filter((model) => model !== undefined);
  const encoders = textModels.map((model, i) => {
    const tokenizer = tokenizers[i];
    if (!tokenizer) throw new PipelineError('invalid_model_folder', `${model.file}: has no tokenizer folder of its own`);
    return new ClipTextEncoder(tokenizer, model, readTextEncoderSignature(model));
  });
  const [first, second] = encoders;
  const unetSignature = readUnetSignature(parts.unet);
  checkHiddenSizes(first!.model, first!.signature, parts.unet, unetSignature, second?.signature.hiddenSize ?? 0);
  const family: ConditioningFamily = folder.isXl ? 'sdxl' : 'sd';
  if (family === 'sdxl') requireSdxlInputs(encoders, parts, unetSignature);

  const textWidth = first!.signature.hiddenSize === undefined ? undefined : first!.signature.hiddenSize + (second?.signature.hiddenSize ?? 0);
  const kind = modelKindOf(folder, textWidth ?? unetSignature.hiddenSize ?? 0, unetSignature.timestepCond !== undefined);
  // A UNet fixed at 77 tokens cannot take a second chunk: long prompts are truncated instead.
  const maxChunks = unetSignature.tokens === CLIP_MAX_LENGTH ? 1 : DEFAULT_MAX_CHUNKS;
  const taesd = parts.taesdDecoder ? new TaesdDecoder(parts.taesdDecoder) : undefined;
  const info: PipelineInfo = {
    name,
    kind,
    provider,
    nativeSize: nativeSizeOf(kind, folder),
    hasVaeEncoder: parts.vaeEncoder !== undefined,
    hasSafetyChecker: parts.safetyChecker !== undefined,
    supportsClipSkip: encoders.every((encoder) => encoder.layers !== undefined),
    hasTaesd: taesd !== undefined,
    maxPromptTokens: maxChunks * CHUNK_TEXT_TOKENS,
  };
  return {
    info,
    parts,
    conditioner: new TextConditioner(encoders, { family, maxChunks, zeroEmptyNegative: folder.forceZerosForEmptyPrompt }),
    unetSignature,
    schedulerConfig,
    decoder: new VaeDecoder(parts.vaeDecoder, readVaeDecoderSignature(parts.vaeDecoder), folder.vaeScalingFactor),
    encoder: parts.vaeEncoder ? new VaeEncoder(parts.vaeEncoder, readVaeEncoderSignature(parts.vaeEncoder), folder.vaeScalingFactor) : undefined,
    safetyChecker: parts.safetyChecker ? new SafetyChecker(parts.safetyChecker) : undefined,
    taesd,
    previews: taesd ? taesdPreviewRenderer(taesd) : latentPreviewRenderer(family),
  };
}
