// The VAE's two directions. Decoding divides by the scaling factor first; encoding (img2img)
// multiplies by it after. Both run one image at a time to keep peak memory flat for large sizes.
import { PipelineError } from '../errors.js';
import { floatTensor, toFloat32 } from '../onnx/host-tensor.js';
import type { OnnxModel } from '../onnx/onnx-model.js';
import type { VaeDecoderSignature, VaeEncoderSignature } from '../model/model-signature.js';
import type { Rng } from '../sd/rng.js';
import { LATENT_CHANNELS } from '../unet/unet-runner.js';

const LOGVAR_MIN = -30;
const LOGVAR_MAX = 20;

export class VaeDecoder {
  constructor(
    private readonly model: OnnxModel,
    private readonly signature: VaeDecoderSignature,
    private readonly scalingFactor: number,
  ) {}

  /** One latent [4, h, w] → the decoder's `sample` [3, 8h, 8w] in [-1, 1]. */
  async decode(latent: Float32Array, latentHeight: number, latentWidth: number): Promise<{ sample: Float32Array; height: number; width: number }> {
    const scaled = new Float32Array(latent.length);
    const inverse = 1 / this.scalingFactor;
    for (let i = 0; i < latent.length; i++) scaled[i] = latent[i]! * inverse;
    const outputs = await this.model.run(
      { latent_sample: floatTensor(this.signature.latentType, scaled, [1, LATENT_CHANNELS, latentHeight, latentWidth]) },
      ['sample'],
    );
    const sample = outputs['sample'];
    const [, channels, height, width] = sample?.dims ?? [];
    if (!sample || channels !== 3 || height === undefined || width === undefined) {
      throw new PipelineError('invalid_model_folder', `${this.model.file}: "sample" has shape [${sample?.dims.join(', ') ?? ''}], expected [1, 3, H, W]`);
    }
    return { sample: toFloat32(sample), height, width };
  }
}

export class VaeEncoder {
  constructor(
    private readonly model: OnnxModel,
    private readonly signature: VaeEncoderSignature,
    private readonly scalingFactor: number,
  ) {}

  /**
   * An image [3, H, W] in [-1, 1] → scaled latents [4, H/8, W/8]. A `latent_parameters` output is
   * (mean, logvar); it is sampled with the job's RNG after clamping logvar as diffusers does.
   */
  async encode(image: Float32Array, height: number, width: number, rng: Rng): Promise<Float32Array> {
    const outputs = await this.model.run(
      { sample: floatTensor(this.signature.sampleType, image, [1, 3, height, width]) },
      [this.signature.output],
    );
    const output = outputs[this.signature.output];
    if (!output) throw new PipelineError('invalid_model_folder', `${this.model.file}: produced no "${this.signature.output}"`);
    const data = toFloat32(output);
    const plane = (height / 8) * (width / 8);
    const latentSize = LATENT_CHANNELS * plane;
    const expected = this.signature.output === 'latent_parameters' ? 2 * latentSize : latentSize;
    if (data.length !== expected) {
      throw new PipelineError('invalid_model_folder', `${this.model.file}: "${this.signature.output}" has shape [${output.dims.join(', ')}], expected ${expected} values for a ${width}x${height} image`);
    }
    const latent = new Float32Array(latentSize);
    if (this.signature.output === 'latent_sample') {
      for (let i = 0; i < latentSize; i++) latent[i] = data[i]! * this.scalingFactor;
      return latent;
    }
    for (let i = 0; i < latentSize; i++) {
      const logvar = Math.min(Math.max(data[latentSize + i]!, LOGVAR_MIN), LOGVAR_MAX);
      latent[i] = (data[i]! + Math.exp(0.5 * logvar) * rng.nextGaussian()) * this.scalingFactor;
    }
    return latent;
  }
}
