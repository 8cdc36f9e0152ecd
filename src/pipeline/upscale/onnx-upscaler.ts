// An ONNX image upscaler (Real-ESRGAN style): [1, 3, H, W] in 0–1 → [1, 3, sH, sW]. The factor s
// comes from the graph: its static shapes when it has them, else one run on a small probe tile.
import sharp from 'sharp';
import { PipelineError } from '../errors.js';
import { floatTensor, toFloat32, type FloatTensorType } from '../onnx/host-tensor.js';
import { OnnxModel, type SessionOptions } from '../onnx/onnx-model.js';
import { DEFAULT_TILE_LAYOUT, upscaleTiled, type TileLayout } from './tiled-upscale.js';

export interface UpscaledImage {
  /** HWC bytes. */
  readonly rgb: Uint8Array;
  readonly width: number;
  readonly height: number;
}

const PROBE_SIDE = 16;
const SUPPORTED_SCALES = [1, 2, 3, 4, 8];

export class OnnxUpscaler {
  private constructor(
    readonly name: string,
    private readonly model: OnnxModel,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly inputType: FloatTensorType,
    readonly scale: number,
    private readonly layout: TileLayout,
  ) {}

  static async load(file: string, name: string, options: SessionOptions, layout: TileLayout = DEFAULT_TILE_LAYOUT): Promise<OnnxUpscaler> {
    const model = await OnnxModel.load(file, options);
    try {
      const [input] = [...model.inputs.values()];
      const [output] = [...model.outputs.values()];
      if (!input || !output || model.inputs.size !== 1) {
        throw new PipelineError('invalid_model_folder', `${file}: an upscaler takes one image input [1, 3, H, W]; inputs are ${[...model.inputs.keys()].join(', ')}`);
      }
      if (input.type !== 'float32' && input.type !== 'float16') throw new PipelineError('invalid_model_folder', `${file}: "${input.name}" must be float32 or float16, got ${input.type}`);
      const staticSide = typeof input.shape[2] === 'number' && input.shape[2] > 0 ? input.shape[2] : undefined;
      const tileLayout = staticSide === undefined ? layout : { tileSize: staticSide, overlap: Math.min(layout.overlap, Math.floor(staticSide / 4)) };
      const upscaler = new OnnxUpscaler(name, model, input.name, output.name, input.type, 1, tileLayout);
      const scale = staticScale(input.shape, output.shape) ?? (await upscaler.probeScale(staticSide ?? PROBE_SIDE));
      if (!SUPPORTED_SCALES.includes(scale)) throw new PipelineError('invalid_model_folder', `${file}: scales images by ${scale}; expected one of ${SUPPORTED_SCALES.join(', ')}`);
      return new OnnxUpscaler(name, model, input.name, output.name, input.type, scale, tileLayout);
    } catch (error) {
      await model.release();
      throw error;
    }
  }

  /** Upscales by the model's own factor, tile by tile. */
  async upscale(rgb: Uint8Array, width: number, height: number): Promise<UpscaledImage> {
    if (Math.min(width, height) < this.layout.tileSize && this.fixedTile()) {
      throw new PipelineError('invalid_params', `upscaler "${this.name}" takes fixed ${this.layout.tileSize}px tiles, larger than the ${width}x${height} image`);
    }
    const out = await upscaleTiled(rgb, width, height, this.scale, (tile, w, h) => this.runTile(tile, w, h), this.layout);
    return { rgb: out, width: width * this.scale, height: height * this.scale };
  }

  /** Upscales with the model, then fits the result to exactly width × height with Lanczos. */
  async upscaleTo(rgb: Uint8Array, width: number, height: number, targetWidth: number, targetHeight: number): Promise<UpscaledImage> {
    const up = await this.upscale(rgb, width, height);
    if (up.width === targetWidth && up.height === targetHeight) return up;
    const fitted = await sharp(up.rgb, { raw: { width: up.width, height: up.height, channels: 3 } })
      .resize(targetWidth, targetHeight, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer();
    return { rgb: new Uint8Array(fitted.buffer, fitted.byteOffset, fitted.byteLength), width: targetWidth, height: targetHeight };
  }

  async release(): Promise<void> {
    await this.model.release();
  }

  private fixedTile(): boolean {
    const side = this.model.inputs.get(this.inputName)?.shape[2];
    return typeof side === 'number' && side > 0;
  }

  private async runTile(tile: Float32Array, width: number, height: number): Promise<Float32Array> {
    const outputs = await this.model.run({ [this.inputName]: floatTensor(this.inputType, tile, [1, 3, height, width]) }, [this.outputName]);
    const output = outputs[this.outputName];
    const expected = 3 * width * height * this.scale * this.scale;
    if (!output || output.data.length !== expected) {
      throw new PipelineError('invalid_model_folder', `${this.model.file}: "${this.outputName}" has shape [${output?.dims.join(', ') ?? ''}], expected [1, 3, ${height * this.scale}, ${width * this.scale}]`);
    }
    return toFloat32(output);
  }

  private async probeScale(side: number): Promise<number> {
    const outputs = await this.model.run({ [this.inputName]: floatTensor(this.inputType, new Float32Array(3 * side * side), [1, 3, side, side]) }, [this.outputName]);
    const height = outputs[this.outputName]?.dims[2];
    if (height === undefined) throw new PipelineError('invalid_model_folder', `${this.model.file}: produced no "${this.outputName}"`);
    return height / side;
  }
}

function staticScale(input: readonly (number | string)[], output: readonly (number | string)[]): number | undefined {
  const [inH, outH] = [input[2], output[2]];
  return typeof inH === 'number' && typeof outH === 'number' && inH > 0 && outH > 0 ? outH / inH : undefined;
}
