// What the graphs in a folder actually take and return. Real exports differ (int32 vs int64 ids,
// float vs int64 vs scalar timestep, fp16 vs fp32), so the pipeline adapts to this instead of
// assuming. A folder that does not fit gets an error naming the file and the mismatch.
import { PipelineError } from '../errors.js';
import { isFloatType, type FloatTensorType, type TensorSpec } from '../onnx/host-tensor.js';
import type { OnnxModel } from '../onnx/onnx-model.js';

export const CLIP_MAX_LENGTH = 77;

export interface TextEncoderSignature {
  readonly idsType: 'int32' | 'int64';
  /** Known from the graph, or undefined when the dim is symbolic (then read from the output). */
  readonly hiddenSize: number | undefined;
  /** `hidden_states.N` outputs, for CLIP skip and SDXL's penultimate layer, sorted by N. */
  readonly hiddenStateOutputs: readonly string[];
  readonly hasLastHiddenState: boolean;
  readonly hasPooler: boolean;
  readonly hasTextEmbeds: boolean;
  /** Width of `text_embeds` (SDXL's pooled, projected embedding) when the graph states it. */
  readonly textEmbedsSize: number | undefined;
}

export interface TimestepSignature {
  readonly type: 'float32' | 'float16' | 'int64';
  /** optimum ≥ 1.24 exports a scalar []; older ones take [B]. */
  readonly scalar: boolean;
}

/** Latent channels of a normal UNet; an inpainting UNet takes latents, mask and masked-image latents. */
export const UNET_LATENT_CHANNELS = 4;
export const INPAINT_UNET_CHANNELS = 9;

export interface UnetSignature {
  readonly sampleType: FloatTensorType;
  /** 4, or 9 for an inpainting UNet: cat([latents, mask, masked_image_latents]). */
  readonly sampleChannels: number;
  readonly hiddenStatesType: FloatTensorType;
  readonly timestep: TimestepSignature;
  readonly hiddenSize: number | undefined;
  /** Token length of `encoder_hidden_states` when the graph fixes it (77 means no long prompts). */
  readonly tokens: number | undefined;
  readonly outputName: string;
  readonly textEmbeds?: { readonly type: FloatTensorType; readonly size: number | undefined };
  readonly timeIds?: { readonly type: FloatTensorType; readonly size: number | undefined };
  readonly timestepCond?: { readonly type: FloatTensorType; readonly size: number | undefined };
}

export interface VaeDecoderSignature {
  readonly latentType: FloatTensorType;
}

export interface VaeEncoderSignature {
  readonly sampleType: FloatTensorType;
  readonly output: 'latent_sample' | 'latent_parameters';
}

function mismatch(model: OnnxModel, detail: string): PipelineError {
  return new PipelineError('invalid_model_folder', `${model.file}: ${detail}`);
}

function requireInput(model: OnnxModel, name: string, what: string): TensorSpec {
  const spec = model.inputs.get(name);
  if (!spec) throw mismatch(model, `has no input "${name}" (${what}); inputs are ${[...model.inputs.keys()].join(', ')}`);
  return spec;
}

function requireFloat(model: OnnxModel, spec: TensorSpec): FloatTensorType {
  if (!isFloatType(spec.type)) throw mismatch(model, `"${spec.name}" must be float32 or float16, got ${spec.type}`);
  return spec.type;
}

function staticDim(spec: TensorSpec | undefined, index: number): number | undefined {
  const dim = spec?.shape[index];
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

export function readTextEncoderSignature(model: OnnxModel): TextEncoderSignature {
  const ids = requireInput(model, 'input_ids', 'token ids');
  if (ids.type !== 'int32' && ids.type !== 'int64') throw mismatch(model, `"input_ids" must be int32 or int64, got ${ids.type}`);
  const lastHidden = model.outputs.get('last_hidden_state');
  const hiddenStateOutputs = [...model.outputs.keys()].filter((name) => /^hidden_states\.\d+$/.test(name));
  if (!lastHidden && hiddenStateOutputs.length === 0) {
    throw mismatch(model, `has neither "last_hidden_state" nor "hidden_states.N" outputs; outputs are ${[...model.outputs.keys()].join(', ')}`);
  }
  const length = staticDim(ids, 1);
  if (length !== undefined && length !== CLIP_MAX_LENGTH) throw mismatch(model, `"input_ids" must have ${CLIP_MAX_LENGTH} tokens, the graph says ${length}`);
  return {
    idsType: ids.type,
    hiddenSize: staticDim(lastHidden ?? model.outputs.get(hiddenStateOutputs[0]!), 2),
    hiddenStateOutputs: hiddenStateOutputs.sort((a, b) => layerOf(a) - layerOf(b)),
    hasLastHiddenState: lastHidden !== undefined,
    hasPooler: model.outputs.has('pooler_output'),
    hasTextEmbeds: model.outputs.has('text_embeds'),
    textEmbedsSize: staticDim(model.outputs.get('text_embeds'), 1),
  };
}

export function layerOf(hiddenStateName: string): number {
  return Number(hiddenStateName.slice('hidden_states.'.length));
}

export function readUnetSignature(model: OnnxModel): UnetSignature {
  const sample = requireInput(model, 'sample', 'noisy latents');
  const timestep = requireInput(model, 'timestep', 'denoising timestep');
  const hidden = requireInput(model, 'encoder_hidden_states', 'text embeddings');
  if (timestep.type !== 'float32' && timestep.type !== 'float16' && timestep.type !== 'int64') {
    throw mismatch(model, `"timestep" must be float32, float16 or int64, got ${timestep.type}`);
  }
  const channels = staticDim(sample, 1);
  if (channels !== undefined && channels !== UNET_LATENT_CHANNELS && channels !== INPAINT_UNET_CHANNELS) {
    throw mismatch(model, `"sample" must have ${UNET_LATENT_CHANNELS} latent channels (${INPAINT_UNET_CHANNELS} for inpainting), the graph says ${channels}`);
  }
  // By name; a graph with a single, differently named output is unambiguous too.
  const outputNames = [...model.outputs.keys()];
  const outputName = model.outputs.has('out_sample') ? 'out_sample' : outputNames.length === 1 ? outputNames[0] : undefined;
  if (outputName === undefined) throw mismatch(model, `has no output "out_sample"; outputs are ${outputNames.join(', ')}`);
  const textEmbeds = model.inputs.get('text_embeds');
  const timeIds = model.inputs.get('time_ids');
  const timestepCond = model.inputs.get('timestep_cond');
  return {
    sampleType: requireFloat(model, sample),
    sampleChannels: channels ?? UNET_LATENT_CHANNELS,
    hiddenStatesType: requireFloat(model, hidden),
    timestep: { type: timestep.type, scalar: timestep.shape.length === 0 },
    hiddenSize: staticDim(hidden, 2),
    tokens: staticDim(hidden, 1),
    outputName,
    ...(textEmbeds ? { textEmbeds: { type: requireFloat(model, textEmbeds), size: staticDim(textEmbeds, 1) } } : {}),
    ...(timeIds ? { timeIds: { type: requireFloat(model, timeIds), size: staticDim(timeIds, 1) } } : {}),
    ...(timestepCond ? { timestepCond: { type: requireFloat(model, timestepCond), size: staticDim(timestepCond, 1) } } : {}),
  };
}

export function readVaeDecoderSignature(model: OnnxModel): VaeDecoderSignature {
  const latent = requireInput(model, 'latent_sample', 'latents to decode');
  if (!model.outputs.has('sample')) throw mismatch(model, `has no output "sample"; outputs are ${[...model.outputs.keys()].join(', ')}`);
  return { latentType: requireFloat(model, latent) };
}

export function readVaeEncoderSignature(model: OnnxModel): VaeEncoderSignature {
  const sample = requireInput(model, 'sample', 'image to encode');
  const output = model.outputs.has('latent_sample') ? 'latent_sample' : model.outputs.has('latent_parameters') ? 'latent_parameters' : undefined;
  if (!output) throw mismatch(model, `needs a "latent_sample" or "latent_parameters" output; outputs are ${[...model.outputs.keys()].join(', ')}`);
  return { sampleType: requireFloat(model, sample), output };
}

/** Text encoder and UNet must agree on the embedding width when both graphs state it. */
export function checkHiddenSizes(textEncoder: OnnxModel, te: TextEncoderSignature, unet: OnnxModel, u: UnetSignature, extraWidth = 0): void {
  if (te.hiddenSize !== undefined && u.hiddenSize !== undefined && te.hiddenSize + extraWidth !== u.hiddenSize) {
    throw new PipelineError(
      'invalid_model_folder',
      `${unet.file}: "encoder_hidden_states" is ${u.hiddenSize} wide but ${textEncoder.file} produces ${te.hiddenSize + extraWidth}`,
    );
  }
}
