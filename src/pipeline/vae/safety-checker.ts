// The folder's safety_checker (diffusers' StableDiffusionSafetyChecker as exported by optimum):
// `clip_input` [B,3,224,224] (CLIP-preprocessed) and `images` [B,H,W,3] in [0,1] in, a bool per
// image in `has_nsfw_concepts` out. The pipeline only reports the flag; what to do with a flagged
// image (blur, spoiler, withhold) is the bot's decision.
import { PipelineError } from '../errors.js';
import { CLIP_IMAGE_SIZE, clipPixelValues } from '../image/clip-preprocess.js';
import { floatTensor, isFloatType, type FloatTensorType, type HostTensor } from '../onnx/host-tensor.js';
import type { OnnxModel } from '../onnx/onnx-model.js';

const CLIP_INPUT = 'clip_input';
const IMAGES = 'images';
const HAS_NSFW = 'has_nsfw_concepts';
const RGB_CHANNELS = 3;
const PIXEL_MAX = 255;

export interface RgbImage {
  /** HWC bytes. */
  readonly rgb: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export class SafetyChecker {
  private readonly clipInputType: FloatTensorType;
  private readonly imagesType: FloatTensorType;

  constructor(private readonly model: OnnxModel) {
    this.clipInputType = this.floatInput(CLIP_INPUT);
    this.imagesType = this.floatInput(IMAGES);
    if (!model.outputs.has(HAS_NSFW)) {
      throw new PipelineError('invalid_model_folder', `${model.file}: has no output "${HAS_NSFW}"; outputs are ${[...model.outputs.keys()].join(', ')}`);
    }
  }

  /** One flag per image, in order. Images of one size go through in one call. */
  async check(images: readonly RgbImage[]): Promise<boolean[]> {
    const first = images[0];
    if (!first) return [];
    if (images.some((image) => image.width !== first.width || image.height !== first.height)) {
      const flags: boolean[] = [];
      for (const image of images) flags.push(...(await this.check([image])));
      return flags;
    }
    const clipSize = RGB_CHANNELS * CLIP_IMAGE_SIZE * CLIP_IMAGE_SIZE;
    const imageSize = first.width * first.height * RGB_CHANNELS;
    const clipInput = new Float32Array(images.length * clipSize);
    const pixels = new Float32Array(images.length * imageSize);
    for (const [index, image] of images.entries()) {
      clipInput.set(await clipPixelValues(image.rgb, image.width, image.height), index * clipSize);
      for (let i = 0; i < imageSize; i++) pixels[index * imageSize + i] = image.rgb[i]! / PIXEL_MAX;
    }
    const outputs = await this.model.run(
      {
        [CLIP_INPUT]: floatTensor(this.clipInputType, clipInput, [images.length, RGB_CHANNELS, CLIP_IMAGE_SIZE, CLIP_IMAGE_SIZE]),
        [IMAGES]: floatTensor(this.imagesType, pixels, [images.length, first.height, first.width, RGB_CHANNELS]),
      },
      [HAS_NSFW],
    );
    const flags = outputs[HAS_NSFW];
    if (!flags || flags.data.length !== images.length) {
      throw new PipelineError('invalid_model_folder', `${this.model.file}: "${HAS_NSFW}" has shape [${flags?.dims.join(', ') ?? ''}], expected [${images.length}]`);
    }
    return flagsOf(flags);
  }

  private floatInput(name: string): FloatTensorType {
    const spec = this.model.inputs.get(name);
    if (!spec) throw new PipelineError('invalid_model_folder', `${this.model.file}: has no input "${name}"; inputs are ${[...this.model.inputs.keys()].join(', ')}`);
    if (!isFloatType(spec.type)) throw new PipelineError('invalid_model_folder', `${this.model.file}: "${name}" must be float32 or float16, got ${spec.type}`);
    return spec.type;
  }
}

/** Any non-zero value counts as flagged, whatever integer or bool type the export chose. */
function flagsOf(tensor: HostTensor): boolean[] {
  return Array.from(tensor.data as ArrayLike<number | bigint>, (value) => Number(value) !== 0);
}
