// Prompt → text-encoder hidden states, for the positive prompt and (with guidance) the negative one.
// Both run through the text encoder in one batched call.
import { PipelineError } from './errors.js';
import { intTensor, toFloat32 } from './onnx/host-tensor.js';
import type { OnnxModel } from './onnx/onnx-model.js';
import { CLIP_MAX_LENGTH, type TextEncoderSignature } from './model-signature.js';
import type { ClipTokenizer } from './tokenizer/clip-tokenizer.js';

export interface TextConditioning {
  /** [tokens, hiddenSize] for the prompt. */
  readonly cond: Float32Array;
  /** [tokens, hiddenSize] for the negative prompt; undefined when guidance is off. */
  readonly uncond: Float32Array | undefined;
  readonly tokens: number;
  readonly hiddenSize: number;
  readonly truncatedWords: readonly string[];
}

export class TextConditioner {
  constructor(
    private readonly tokenizer: ClipTokenizer,
    private readonly encoder: OnnxModel,
    private readonly signature: TextEncoderSignature,
  ) {}

  async encode(prompt: string, negativePrompt: string, withGuidance: boolean): Promise<TextConditioning> {
    const positive = this.tokenizer.encode(prompt);
    const rows = withGuidance ? [this.tokenizer.encode(negativePrompt).inputIds, positive.inputIds] : [positive.inputIds];
    const ids = intTensor(this.signature.idsType, rows.flat(), [rows.length, CLIP_MAX_LENGTH]);
    const outputs = await this.encoder.run({ input_ids: ids }, ['last_hidden_state']);
    const hidden = outputs['last_hidden_state'];
    if (!hidden) throw new PipelineError('invalid_model_folder', `${this.encoder.file}: produced no "last_hidden_state"`);
    const hiddenSize = hidden.dims[2];
    if (hiddenSize === undefined || hidden.dims[1] !== CLIP_MAX_LENGTH) {
      throw new PipelineError('invalid_model_folder', `${this.encoder.file}: "last_hidden_state" has shape [${hidden.dims.join(', ')}], expected [B, ${CLIP_MAX_LENGTH}, H]`);
    }
    const data = toFloat32(hidden);
    const rowSize = CLIP_MAX_LENGTH * hiddenSize;
    return {
      cond: data.subarray((rows.length - 1) * rowSize, rows.length * rowSize),
      uncond: withGuidance ? data.subarray(0, rowSize) : undefined,
      tokens: CLIP_MAX_LENGTH,
      hiddenSize,
      truncatedWords: positive.truncatedWords,
    };
  }
}
