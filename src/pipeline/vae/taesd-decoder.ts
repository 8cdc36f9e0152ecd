// TAESD, the tiny autoencoder (madebyollin/taesd): a decoder cheap enough for live previews, and
// optionally for a "fast" final decode. Its input is the latents exactly as the UNet sees them
// (already scaled: no division by the VAE scaling factor). Its output is taken to be RGB in [0, 1],
// which is what madebyollin's own ONNX exports produce (diffusers' AutoencoderTiny maps that to
// [-1, 1] afterwards; this decoder does not).
import { join } from 'node:path';
import { PipelineError } from '../errors.js';
import { floatTensor, isFloatType, toFloat32, type FloatTensorType } from '../onnx/host-tensor.js';
import type { OnnxModel } from '../onnx/onnx-model.js';
import { LATENT_CHANNELS } from '../unet/unet-runner.js';

export const TAESD_DECODER_FILES = { sd: 'taesd_decoder.onnx', sdxl: 'taesdxl_decoder.onnx' } as const;
export type TaesdFamily = keyof typeof TAESD_DECODER_FILES;

const PREFERRED_INPUT = 'latent_sample';
const PREFERRED_OUTPUT = 'sample';
const RGB_CHANNELS = 3;
const PIXEL_MAX = 255;

export function taesdDecoderFile(dir: string, family: TaesdFamily): string {
  return join(dir, TAESD_DECODER_FILES[family]);
}

export interface DecodedRgb {
  /** One HWC byte image per latent. */
  readonly images: Uint8Array[];
  readonly width: number;
  readonly height: number;
}

export class TaesdDecoder {
  private readonly inputName: string;
  private readonly inputType: FloatTensorType;
  private readonly outputName: string;

  constructor(private readonly model: OnnxModel) {
    this.inputName = pick(model, model.inputs, PREFERRED_INPUT, 'input');
    this.outputName = pick(model, model.outputs, PREFERRED_OUTPUT, 'output');
    const type = model.inputs.get(this.inputName)?.type ?? '';
    if (!isFloatType(type)) throw new PipelineError('invalid_model_folder', `${model.file}: "${this.inputName}" must be float32 or float16, got ${type}`);
    this.inputType = type;
  }

  /** `latents` is [count, 4, h, w], scaled as the UNet sees them. */
  async decode(latents: Float32Array, count: number, latentHeight: number, latentWidth: number): Promise<DecodedRgb> {
    const outputs = await this.model.run(
      { [this.inputName]: floatTensor(this.inputType, latents, [count, LATENT_CHANNELS, latentHeight, latentWidth]) },
      [this.outputName],
    );
    const output = outputs[this.outputName];
    const [batch, channels, height, width] = output?.dims ?? [];
    if (!output || batch !== count || channels !== RGB_CHANNELS || height === undefined || width === undefined) {
      throw new PipelineError('invalid_model_folder', `${this.model.file}: "${this.outputName}" has shape [${output?.dims.join(', ') ?? ''}], expected [${count}, 3, H, W]`);
    }
    const data = toFloat32(output);
    const plane = height * width;
    const images = Array.from({ length: count }, (_, n) => {
      const rgb = new Uint8Array(plane * RGB_CHANNELS);
      for (let c = 0; c < RGB_CHANNELS; c++) {
        const offset = (n * RGB_CHANNELS + c) * plane;
        for (let i = 0; i < plane; i++) {
          const v = data[offset + i]! * PIXEL_MAX;
          rgb[i * RGB_CHANNELS + c] = v <= 0 ? 0 : v >= PIXEL_MAX ? PIXEL_MAX : Math.round(v);
        }
      }
      return rgb;
    });
    return { images, width, height };
  }
}

/** The graph's `preferred` name, or its only one; TAESD exports name their single input/output freely. */
function pick(model: OnnxModel, specs: ReadonlyMap<string, unknown>, preferred: string, what: string): string {
  if (specs.has(preferred)) return preferred;
  const names = [...specs.keys()];
  if (names.length === 1) return names[0]!;
  throw new PipelineError('invalid_model_folder', `${model.file}: a TAESD decoder needs one ${what} (or one named "${preferred}"); it has ${names.join(', ')}`);
}
