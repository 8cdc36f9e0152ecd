// One batched UNet call per denoising step. With classifier-free guidance the batch is
// [uncond × N, cond × N] and the two halves are combined as ε = εu + g(εc − εu); with guidance
// ≤ 1 it is one call of batch N. All buffers are allocated once per generation and reused.
// An inpainting UNet (9 input channels) gets the mask and masked-image latents beside each
// image's latents; those 5 channels are written once and stay in place across steps.
import { PipelineError } from '../errors.js';
import { floatTensor, toFloat32, type HostTensor } from '../onnx/host-tensor.js';
import type { OnnxModel } from '../onnx/onnx-model.js';
import type { UnetSignature } from '../model/model-signature.js';
import type { TextConditioning } from '../text/text-conditioning.js';

export const LATENT_CHANNELS = 4;

export interface UnetBatchShape {
  readonly count: number;
  readonly latentHeight: number;
  readonly latentWidth: number;
}

/** Extra UNet inputs some exports need (SDXL text_embeds/time_ids, LCM timestep_cond), already batched. */
export type ExtraUnetInputs = Readonly<Record<string, HostTensor>>;

export class UnetRunner {
  /** Write the scaled model input of all N images here before each `predict`. */
  readonly modelInput: Float32Array;
  private readonly sampleBatch: Float32Array;
  private readonly noisePrediction: Float32Array;
  private readonly hiddenStates: HostTensor;
  private readonly sampleDims: readonly number[];
  private readonly fp16Scratch: Uint16Array | undefined;
  private readonly outputScratch: Float32Array | undefined;
  private readonly guided: boolean;
  private readonly batch: number;
  /** Scaled latents of all N images, [N, 4, h, w]; for a 4-channel UNet this aliases the sample batch. */
  private readonly latentInput: Float32Array;
  private readonly inputChannels: number;
  private readonly latentSize: number;

  constructor(
    private readonly unet: OnnxModel,
    private readonly signature: UnetSignature,
    shape: UnetBatchShape,
    conditioning: TextConditioning,
    private readonly guidanceScale: number,
    private readonly extraInputs: ExtraUnetInputs = {},
    /** Inpainting UNets: [mask (1 channel), masked-image latents (4)] at latent size, the same for every image. */
    inpaintChannels?: Float32Array,
  ) {
    this.guided = conditioning.uncond !== undefined;
    this.batch = shape.count * (this.guided ? 2 : 1);
    const plane = shape.latentHeight * shape.latentWidth;
    const latentSize = LATENT_CHANNELS * plane;
    this.latentSize = latentSize;
    this.inputChannels = inpaintChannels === undefined ? LATENT_CHANNELS : LATENT_CHANNELS + inpaintChannels.length / plane;
    if (this.inputChannels !== signature.sampleChannels) {
      throw new PipelineError('invalid_params', `${unet.file}: the UNet takes ${signature.sampleChannels} input channels, the pipeline prepared ${this.inputChannels}`);
    }
    const rowSize = this.inputChannels * plane;
    this.sampleBatch = new Float32Array(this.batch * rowSize);
    if (inpaintChannels === undefined) {
      // The first N rows double as the caller's input buffer: no copy for the unguided path.
      this.latentInput = this.sampleBatch.subarray(0, shape.count * latentSize);
    } else {
      this.latentInput = new Float32Array(shape.count * latentSize);
      for (let row = 0; row < this.batch; row++) this.sampleBatch.set(inpaintChannels, row * rowSize + latentSize);
    }
    this.modelInput = this.latentInput;
    this.noisePrediction = new Float32Array(shape.count * latentSize);
    this.sampleDims = [this.batch, this.inputChannels, shape.latentHeight, shape.latentWidth];
    this.fp16Scratch = signature.sampleType === 'float16' ? new Uint16Array(this.sampleBatch.length) : undefined;
    this.outputScratch = signature.sampleType === 'float16' ? new Float32Array(this.batch * latentSize) : undefined;
    this.hiddenStates = this.batchHiddenStates(conditioning, shape.count);
  }

  /** Row order matches the sample batch: all uncond rows, then all cond rows. */
  private batchHiddenStates(conditioning: TextConditioning, count: number): HostTensor {
    const rowSize = conditioning.tokens * conditioning.hiddenSize;
    const rows = this.guided ? [conditioning.uncond!, conditioning.cond] : [conditioning.cond];
    const data = new Float32Array(this.batch * rowSize);
    rows.forEach((row, half) => {
      for (let i = 0; i < count; i++) data.set(row, (half * count + i) * rowSize);
    });
    return floatTensor(this.signature.hiddenStatesType, data, [this.batch, conditioning.tokens, conditioning.hiddenSize]);
  }

  private timestepTensor(timestep: number): HostTensor {
    const { type, scalar } = this.signature.timestep;
    const dims = scalar ? [] : [this.batch];
    const length = scalar ? 1 : this.batch;
    if (type === 'int64') return { type, dims, data: new BigInt64Array(length).fill(BigInt(Math.round(timestep))) };
    return floatTensor(type, new Float32Array(length).fill(timestep), dims);
  }

  /** Runs the UNet on `modelInput` at `timestep`; returns the guided prediction for the N images. */
  async predict(timestep: number): Promise<Float32Array> {
    if (this.inputChannels !== LATENT_CHANNELS) this.scatterLatents();
    const half = this.sampleBatch.length / (this.guided ? 2 : 1);
    if (this.guided) this.sampleBatch.copyWithin(half, 0, half);
    const outputs = await this.unet.run(
      {
        sample: floatTensor(this.signature.sampleType, this.sampleBatch, this.sampleDims, this.fp16Scratch),
        timestep: this.timestepTensor(timestep),
        encoder_hidden_states: this.hiddenStates,
        ...this.extraInputs,
      },
      [this.signature.outputName],
    );
    const output = outputs[this.signature.outputName];
    const outputHalf = this.noisePrediction.length;
    if (!output || output.data.length !== outputHalf * (this.guided ? 2 : 1)) {
      const expected = [this.batch, LATENT_CHANNELS, ...this.sampleDims.slice(2)];
      throw new PipelineError('invalid_model_folder', `${this.unet.file}: "${this.signature.outputName}" has shape [${output?.dims.join(', ') ?? ''}], expected [${expected.join(', ')}]`);
    }
    const prediction = toFloat32(output, this.outputScratch?.length === output.data.length ? this.outputScratch : undefined);
    if (!this.guided) return prediction;
    const g = this.guidanceScale;
    const out = this.noisePrediction;
    for (let i = 0; i < outputHalf; i++) {
      const uncond = prediction[i]!;
      out[i] = uncond + g * (prediction[outputHalf + i]! - uncond);
    }
    return out;
  }

  /** Inpainting layout: each image's 4 latent channels go in front of its 5 fixed channels. */
  private scatterLatents(): void {
    const rowSize = this.sampleBatch.length / this.batch;
    const count = this.latentInput.length / this.latentSize;
    for (let i = 0; i < count; i++) {
      this.sampleBatch.set(this.latentInput.subarray(i * this.latentSize, (i + 1) * this.latentSize), i * rowSize);
    }
  }
}
