// The UNet inputs beyond sample/timestep/encoder_hidden_states, batched in the runner's row order
// (all uncond rows, then all cond rows):
// - SDXL: `text_embeds` (pooled prompt embedding) and `time_ids`
//   = [orig_h, orig_w, crop_top, crop_left, target_h, target_w];
// - LCM: `timestep_cond`, the guidance-scale embedding, sized as the graph says.
import { PipelineError } from '../errors.js';
import { guidanceScaleEmbedding } from '../sd/guidance-embedding.js';
import type { UnetSignature } from '../model/model-signature.js';
import { floatTensor } from '../onnx/host-tensor.js';
import type { TextConditioning } from '../text/text-conditioning.js';
import type { ExtraUnetInputs } from './unet-runner.js';

/** diffusers' time_cond_proj_dim for the published LCM UNets, used when the graph leaves it symbolic. */
export const DEFAULT_TIMESTEP_COND_SIZE = 256;
export const SDXL_TIME_IDS = 6;

export interface ExtraInputRequest {
  readonly count: number;
  readonly guidanceScale: number;
  readonly width: number;
  readonly height: number;
}

export function buildExtraUnetInputs(file: string, signature: UnetSignature, conditioning: TextConditioning, request: ExtraInputRequest): ExtraUnetInputs {
  const guided = conditioning.uncond !== undefined;
  const batch = request.count * (guided ? 2 : 1);
  const inputs: Record<string, ExtraUnetInputs[string]> = {};

  if (signature.timestepCond) {
    const size = signature.timestepCond.size ?? DEFAULT_TIMESTEP_COND_SIZE;
    const embedding = guidanceScaleEmbedding(request.guidanceScale, size);
    inputs['timestep_cond'] = floatTensor(signature.timestepCond.type, repeatRows(guided ? [embedding, embedding] : [embedding], request.count), [batch, size]);
  }

  if (signature.textEmbeds) {
    const pooled = conditioning.pooled;
    if (!pooled) throw new PipelineError('invalid_model_folder', `${file}: needs "text_embeds", but the folder has no text_encoder_2 with a "text_embeds" output`);
    if (signature.textEmbeds.size !== undefined && signature.textEmbeds.size !== pooled.size) {
      throw new PipelineError('invalid_model_folder', `${file}: "text_embeds" is ${signature.textEmbeds.size} wide but text_encoder_2 produces ${pooled.size}`);
    }
    const rows = guided ? [pooled.uncond!, pooled.cond] : [pooled.cond];
    inputs['text_embeds'] = floatTensor(signature.textEmbeds.type, repeatRows(rows, request.count), [batch, pooled.size]);
  }

  if (signature.timeIds) {
    if (signature.timeIds.size !== undefined && signature.timeIds.size !== SDXL_TIME_IDS) {
      throw new PipelineError(
        'invalid_model_folder',
        `${file}: "time_ids" has ${signature.timeIds.size} values per image; only SDXL base/Turbo's ${SDXL_TIME_IDS} (sizes and crop) are supported, not the refiner's aesthetic score`,
      );
    }
    // Original size = target size and no crop: what diffusers uses for txt2img.
    const { width, height } = request;
    const row = Float32Array.of(height, width, 0, 0, height, width);
    inputs['time_ids'] = floatTensor(signature.timeIds.type, repeatRows(guided ? [row, row] : [row], request.count), [batch, SDXL_TIME_IDS]);
  }
  return inputs;
}

/** Each of `rows` repeated `count` times, in order: [r0 × count, r1 × count, …]. */
function repeatRows(rows: readonly Float32Array[], count: number): Float32Array {
  const size = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * count * size);
  rows.forEach((row, half) => {
    for (let i = 0; i < count; i++) out.set(row, (half * count + i) * size);
  });
  return out;
}
