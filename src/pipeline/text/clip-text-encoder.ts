// One CLIP text encoder with its tokenizer: runs rows of 77 token ids in one batched call and
// returns the hidden states of the layer asked for. Layers follow diffusers:
// - SD1/SD2: `last_hidden_state`; CLIP skip N (A1111 numbering) takes hidden_states.(L−(N−1))
//   and applies the encoder's final layer norm, as the last layer's output has it.
// - SDXL: hidden_states.(L−N), the penultimate layer for N = 1, with no final layer norm.
import { PipelineError } from '../errors.js';
import { applyLayerNorm, readFinalLayerNorm, type LayerNormParameters } from './final-layer-norm.js';
import { CLIP_MAX_LENGTH, layerOf, type TextEncoderSignature } from '../model/model-signature.js';
import { intTensor, toFloat32, type HostTensor } from '../onnx/host-tensor.js';
import type { OnnxModel } from '../onnx/onnx-model.js';
import type { ClipTokenizer } from './tokenizer/clip-tokenizer.js';

export type ConditioningFamily = 'sd' | 'sdxl';

export type HiddenLayer =
  | { readonly kind: 'last' }
  | { readonly kind: 'hidden'; readonly output: string; readonly finalNorm: boolean };

export interface EncodedRows {
  /** [rows, 77, hiddenSize] */
  readonly hidden: Float32Array;
  readonly hiddenSize: number;
  /** [rows, pooledSize] from `text_embeds`, when asked for. */
  readonly pooled?: Float32Array;
  readonly pooledSize?: number;
}

const LAST_HIDDEN_STATE = 'last_hidden_state';
const TEXT_EMBEDS = 'text_embeds';
/** A1111's CLIP skip 1 means "no skip". */
const NO_CLIP_SKIP = 1;

export const REEXPORT_HINT =
  're-export the text encoder with its hidden states as outputs (hidden_states.0 … hidden_states.N): with optimum, ' +
  'a custom ONNX config for CLIPTextModel with output_hidden_states=True, as optimum already does for SDXL';

export class ClipTextEncoder {
  private finalNorm: Promise<LayerNormParameters> | undefined;

  constructor(
    readonly tokenizer: ClipTokenizer,
    readonly model: OnnxModel,
    readonly signature: TextEncoderSignature,
  ) {}

  /** The deepest `hidden_states.N`, i.e. the number of transformer layers L; undefined without them. */
  get layers(): number | undefined {
    const last = this.signature.hiddenStateOutputs.at(-1);
    return last === undefined ? undefined : layerOf(last);
  }

  /** Which output carries the conditioning for `clipSkip` (A1111 numbering, 1 = no skip). */
  layerFor(family: ConditioningFamily, clipSkip = NO_CLIP_SKIP): HiddenLayer {
    if (family === 'sd' && clipSkip <= NO_CLIP_SKIP && this.signature.hasLastHiddenState) return { kind: 'last' };
    const layers = this.layers;
    if (layers === undefined) {
      throw new PipelineError(
        family === 'sd' ? 'invalid_params' : 'invalid_model_folder',
        family === 'sd'
          ? `clip-skip ${clipSkip} needs the text encoder's hidden states, but ${this.model.file} has no hidden_states.N outputs; ${REEXPORT_HINT}`
          : `${this.model.file}: an SDXL text encoder must output hidden_states.N (the penultimate layer conditions the UNet); ${REEXPORT_HINT}`,
      );
    }
    // SD counts from the last layer's output; SDXL starts one layer earlier (the penultimate).
    const index = family === 'sd' ? layers - (clipSkip - 1) : layers - clipSkip;
    const output = `hidden_states.${index}`;
    if (index < 0 || !this.signature.hiddenStateOutputs.includes(output)) {
      const max = family === 'sd' ? layers + 1 : layers;
      throw new PipelineError('invalid_params', `clip-skip must be at most ${max} for this model (its text encoder has ${layers} layers), got ${clipSkip}`);
    }
    return { kind: 'hidden', output, finalNorm: family === 'sd' };
  }

  /** Encodes `rows` (each 77 ids) in one call. */
  async encode(rows: readonly (readonly number[])[], layer: HiddenLayer, withPooled: boolean): Promise<EncodedRows> {
    const hiddenName = layer.kind === 'last' ? LAST_HIDDEN_STATE : layer.output;
    if (withPooled && !this.signature.hasTextEmbeds) {
      throw new PipelineError('invalid_model_folder', `${this.model.file}: has no "${TEXT_EMBEDS}" output, which SDXL's UNet needs as its text_embeds input`);
    }
    const ids = intTensor(this.signature.idsType, rows.flat(), [rows.length, CLIP_MAX_LENGTH]);
    const outputs = await this.model.run({ input_ids: ids }, withPooled ? [hiddenName, TEXT_EMBEDS] : [hiddenName]);
    const hiddenTensor = this.require(outputs, hiddenName);
    const hiddenSize = hiddenTensor.dims[2];
    if (hiddenTensor.dims.length !== 3 || hiddenTensor.dims[0] !== rows.length || hiddenTensor.dims[1] !== CLIP_MAX_LENGTH || hiddenSize === undefined) {
      throw new PipelineError(
        'invalid_model_folder',
        `${this.model.file}: "${hiddenName}" has shape [${hiddenTensor.dims.join(', ')}], expected [${rows.length}, ${CLIP_MAX_LENGTH}, H]`,
      );
    }
    let hidden = toFloat32(hiddenTensor);
    if (layer.kind === 'hidden' && layer.finalNorm) {
      hidden = hidden.slice(); // the session's output buffer stays untouched
      applyLayerNorm(hidden, hiddenSize, await this.loadFinalNorm(hiddenSize));
    }
    if (!withPooled) return { hidden, hiddenSize };
    const pooledTensor = this.require(outputs, TEXT_EMBEDS);
    const pooledSize = pooledTensor.dims[1];
    if (pooledTensor.dims.length !== 2 || pooledTensor.dims[0] !== rows.length || pooledSize === undefined) {
      throw new PipelineError('invalid_model_folder', `${this.model.file}: "${TEXT_EMBEDS}" has shape [${pooledTensor.dims.join(', ')}], expected [${rows.length}, P]`);
    }
    return { hidden, hiddenSize, pooled: toFloat32(pooledTensor), pooledSize };
  }

  private require(outputs: Record<string, HostTensor>, name: string): HostTensor {
    const tensor = outputs[name];
    if (!tensor) throw new PipelineError('invalid_model_folder', `${this.model.file}: produced no "${name}"`);
    return tensor;
  }

  private loadFinalNorm(hiddenSize: number): Promise<LayerNormParameters> {
    if (!this.finalNorm) {
      const loading = readFinalLayerNorm(this.model.file, hiddenSize);
      // A failed read is not kept: the next request tries again and reports the same problem.
      loading.catch(() => {
        if (this.finalNorm === loading) this.finalNorm = undefined;
      });
      this.finalNorm = loading;
    }
    return this.finalNorm;
  }
}
