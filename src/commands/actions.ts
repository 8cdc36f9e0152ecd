// Actions on a finished result, worked out from its stored job record alone, so they keep working
// after a restart: re-roll, variations of image i, upscale of image i, delete, and the edits:
// Vary (Region), Zoom Out, Pan and Remix.
import type { Outpaint } from '../pipeline/types.js';
import type { ActionRef } from './action-id.js';
import { isAdmin, isSameUser } from './admins.js';
import { blocklistOf } from './blocklist.js';
import type { CommandsConfig, ModelConfig } from './config.js';
import { findModel } from './config-lookup.js';
import type { FormValues, FormView } from './form.js';
import type { GenerateRequest, MaskRef, Requester } from './generate-request.js';
import type { JobImageRecord, JobRecord, MessageRef } from './job-record.js';
import { DEFAULT_MASK_BLUR, MAX_STRENGTH } from './limits.js';
import { messages } from './messages.js';
import { remixForm, remixRequest } from './remix.js';
import type { Reply } from './reply.js';
import { boundedModel, countLoweredNote, modelRefusal, stepsLoweredNote, withScopeNsfwPolicy } from './scope-bounds.js';
import type { ScopeSettings } from './scope-settings.js';
import { regionChoiceReply } from './result-buttons.js';
import { randomSeed } from './seeds.js';
import { fitSize, outpaintCanvas, sameSize } from './sizes.js';
import { UserFacingError, invalidOption } from './user-facing-error.js';

/** Upscale doubles each side. */
export const UPSCALE_FACTOR = 2;
const UPSCALE_OPTION = 'upscale';
const MODEL_OPTION = 'model';
/** Edits repaint their area from pure noise, as an inpainting model expects. */
export const EDIT_STRENGTH = MAX_STRENGTH;

export interface ActionContext {
  readonly config: CommandsConfig;
  readonly random: () => number;
  /** A mask painted by the user (the playground's brush), for Vary (Region) without a named region. */
  readonly paintedMask?: Uint8Array;
  /** The values of a submitted form (Remix). */
  readonly form?: FormValues;
  /** The server's and channel's bounds in force where the action is taken, today. */
  readonly bounds: ScopeSettings;
}

export type ActionResult =
  | { readonly kind: 'generate'; readonly request: GenerateRequest }
  /** Ask the user first: the region to repaint. */
  | { readonly kind: 'choose'; readonly reply: Reply }
  /** Open a form (Remix). */
  | { readonly kind: 'form'; readonly form: FormView }
  /** `cancel`: the job is still queued or running and must be stopped first. */
  | { readonly kind: 'delete'; readonly jobId: string; readonly messages: readonly MessageRef[]; readonly cancel: boolean };

/** Never throws for a bad request: a refusal comes back as a UserFacingError. */
export function resolveAction(
  ref: ActionRef,
  actor: Requester,
  record: JobRecord,
  context: ActionContext,
): ActionResult | UserFacingError {
  const { config } = context;
  const owner = isSameUser(actor, record.requester);
  const admin = isAdmin(config, actor);
  if (ref.kind === 'delete') {
    if (!owner && !admin) return new UserFacingError('forbidden', messages.actions.notOwner);
    const going = record.status === 'queued' || record.status === 'running';
    return { kind: 'delete', jobId: record.jobId, messages: record.messages, cancel: going };
  }
  if (config.rerollPolicy === 'owner' && !owner && !admin) return new UserFacingError('forbidden', messages.actions.notOwner);
  const model = findModel(config, record.request.model);
  if (model === undefined) {
    return UserFacingError.of('model_unavailable', { option: 'model', value: record.request.model, allowed: Object.keys(config.models).join(', ') });
  }
  // The blocklist may have grown since the job ran.
  if (blocklistOf(config).matches(record.request.prompt)) {
    return new UserFacingError('prompt_blocked', messages.moderation.blocked);
  }
  // Remix goes through /imagine's checks with the model the form names, which may be another one;
  // an upscale checks when it runs the model (a plain resize does not).
  if (ref.kind !== 'remix' && ref.kind !== 'remix_submit' && ref.kind !== 'upscale') {
    const refusal = modelRefusal(record.request.model, config, context.bounds, MODEL_OPTION);
    if (refusal !== undefined) return refusal;
  }
  switch (ref.kind) {
    case 'reroll':
      return { kind: 'generate', request: withinLimits(reroll(record, context), model, context.bounds) };
    case 'remix':
      return record.status === 'succeeded' ? { kind: 'form', form: remixForm(record) } : new UserFacingError('not_found', messages.actions.notFinished);
    case 'remix_submit': {
      const request = remixRequest(record, context.form ?? {}, actor, context);
      return UserFacingError.is(request) ? request : { kind: 'generate', request };
    }
    default:
      break;
  }

  const image = finishedImage(record, ref.imageIndex);
  if (UserFacingError.is(image)) return image;
  switch (ref.kind) {
    case 'variation':
      return { kind: 'generate', request: withinLimits(variation(record, ref.imageIndex, image, context), model, context.bounds) };
    case 'upscale':
      return upscale(record, ref.imageIndex, image, model, context);
    case 'vary_region': {
      const mask: MaskRef | undefined = ref.region !== undefined
        ? { kind: 'region', region: ref.region }
        : context.paintedMask === undefined ? undefined : { kind: 'upload', data: context.paintedMask, filename: PAINTED_MASK_FILENAME };
      if (mask === undefined) return { kind: 'choose', reply: regionChoiceReply(record.jobId, ref.imageIndex) };
      return edit(record, ref.imageIndex, image, context, { origin: 'vary_region', mask });
    }
    case 'zoom':
      return edit(record, ref.imageIndex, image, context, { origin: 'zoom', outpaint: { kind: 'zoom', factor: ref.factor } });
    case 'pan':
      return edit(record, ref.imageIndex, image, context, { origin: 'pan', outpaint: { kind: 'pan', direction: ref.direction } });
  }
}

const PAINTED_MASK_FILENAME = 'mask.png';

type EditKind =
  | { readonly origin: 'vary_region'; readonly mask: MaskRef }
  | { readonly origin: 'zoom' | 'pan'; readonly outpaint: Outpaint };

/**
 * Repaints part of image i (a region, or the new area of a larger canvas) with the same prompt,
 * on the configured inpainting model when there is one, else on the image's own model.
 */
function edit(
  record: JobRecord,
  imageIndex: number,
  image: JobImageRecord,
  context: ActionContext,
  kind: EditKind,
): ActionResult | UserFacingError {
  const { config } = context;
  const modelName = config.inpaintModel ?? record.request.model;
  const model = findModel(config, modelName);
  if (model === undefined) return UserFacingError.of('model_unavailable', { option: 'model', value: modelName, allowed: Object.keys(config.models).join(', ') });
  const own = { width: image.width, height: image.height };
  const size = kind.origin === 'vary_region' ? own : outpaintCanvas(own, kind.outpaint, model.maxPixels);
  const request: GenerateRequest = {
    ...base(record),
    model: modelName,
    sampler: model.samplers.includes(record.request.sampler) ? record.request.sampler : model.defaultSampler,
    seed: randomSeed(context.random),
    width: size.width,
    height: size.height,
    count: 1,
    init: { source: { kind: 'result', jobId: record.jobId, imageIndex }, strength: EDIT_STRENGTH },
    ...(kind.origin === 'vary_region' ? { mask: { source: kind.mask, blur: DEFAULT_MASK_BLUR } } : { outpaint: kind.outpaint }),
    origin: kind.origin,
    parentJobId: record.jobId,
    notes: [],
  };
  return { kind: 'generate', request: withinLimits(request, model, context.bounds) };
}

/** The same request with a new random seed. */
function reroll(record: JobRecord, context: ActionContext): GenerateRequest {
  const { parentJobId: _parentJobId, ...same } = record.request;
  return {
    ...same,
    seed: randomSeed(context.random),
    origin: 'reroll',
    parentJobId: record.jobId,
    notes: [],
  };
}

/** A new set of `count` images, img2img from image i at the configured strength, new seeds. */
function variation(
  record: JobRecord,
  imageIndex: number,
  image: JobImageRecord,
  context: ActionContext,
): GenerateRequest {
  return {
    ...base(record),
    seed: randomSeed(context.random),
    width: image.width,
    height: image.height,
    count: record.request.count,
    init: { source: { kind: 'result', jobId: record.jobId, imageIndex }, strength: context.config.variationStrength },
    origin: 'variation',
    parentJobId: record.jobId,
    notes: [],
  };
}

/**
 * 2× of image i: a low-strength img2img hires pass with the image's own seed when 2× fits the
 * model, else a plain Lanczos resize, else a refusal.
 */
function upscale(
  record: JobRecord,
  imageIndex: number,
  image: JobImageRecord,
  model: ModelConfig,
  context: ActionContext,
): ActionResult | UserFacingError {
  const { config } = context;
  const width = image.width * UPSCALE_FACTOR;
  const height = image.height * UPSCALE_FACTOR;
  const pixels = width * height;
  const hires = pixels <= model.maxPixels;
  if (hires) {
    const refusal = modelRefusal(record.request.model, config, context.bounds, MODEL_OPTION);
    if (refusal !== undefined) return refusal;
  }
  if (!hires && pixels > config.upscale.maxPixels) {
    return invalidOption(messages.actions.tooLargeToUpscale(image.width, image.height, config.upscale.maxPixels), {
      option: UPSCALE_OPTION,
      value: messages.formatSize(image.width, image.height),
      allowed: messages.actions.upscaleAllowed(config.upscale.maxPixels),
    });
  }
  const upscaler = record.request.upscaler ?? config.upscale.model;
  const resizeNote = upscaler === undefined ? messages.notes.upscaleResize(model.maxPixels) : messages.notes.upscaleModel(upscaler, model.maxPixels);
  const request: GenerateRequest = {
    ...base(record),
    ...(upscaler === undefined ? {} : { upscaler }),
    seed: image.seed,
    width,
    height,
    count: 1,
    init: { source: { kind: 'result', jobId: record.jobId, imageIndex }, strength: config.upscale.strength },
    ...(hires ? {} : { resizeOnly: true }),
    origin: 'upscale',
    parentJobId: record.jobId,
    notes: [hires ? messages.notes.upscaleHires : resizeNote],
  };
  // A plain resize runs no model, so only the NSFW policy of here applies to it.
  return { kind: 'generate', request: hires ? withinLimits(request, model, context.bounds) : withScopeNsfwPolicy(request, context.bounds) };
}

/** The stored request without the fields each action sets anew. */
function base(record: JobRecord): GenerateRequest {
  // The hires fix made the parent; its images are the starting point now, already at full size.
  const { resizeOnly: _resizeOnly, parentJobId: _parentJobId, hires: _hires, mask: _mask, outpaint: _outpaint, ...rest } = record.request;
  return rest;
}

/**
 * The config, or the bounds of the server or channel where the action is taken, may have tightened
 * since the job ran: apply the model's limits and those bounds again, with the notes /imagine gives.
 */
function withinLimits(request: GenerateRequest, unbounded: ModelConfig, bounds: ScopeSettings): GenerateRequest {
  const model = boundedModel(unbounded, bounds);
  const notes: string[] = [];
  const steps = Math.min(request.numInferenceSteps, model.maxSteps);
  if (steps < request.numInferenceSteps) notes.push(stepsLoweredNote(request.numInferenceSteps, steps, request.model, bounds));
  const count = Math.min(request.count, model.maxCount);
  if (count < request.count) notes.push(countLoweredNote(request.count, count, request.model, bounds));
  const sampler = model.samplers.includes(request.sampler) ? request.sampler : model.defaultSampler;
  if (sampler !== request.sampler) notes.push(messages.notes.samplerReplaced(request.sampler, sampler, request.model));
  const asked = { width: request.width, height: request.height };
  const size = request.resizeOnly === true ? asked : fitSize(asked, model.maxPixels);
  if (!sameSize(size, asked)) notes.push(messages.notes.sizeLowered(asked, size, request.model));
  const { clipSkip, ...rest } = request;
  const keepClipSkip = clipSkip !== undefined && model.supportsClipSkip;
  if (clipSkip !== undefined && !keepClipSkip) notes.push(messages.notes.clipSkipIgnored(request.model));
  return withScopeNsfwPolicy({
    ...rest,
    ...(keepClipSkip ? { clipSkip } : {}),
    numInferenceSteps: steps,
    count,
    sampler,
    width: size.width,
    height: size.height,
    notes: [...request.notes, ...notes],
  }, bounds);
}

function finishedImage(record: JobRecord, imageIndex: number): JobImageRecord | UserFacingError {
  if (record.status !== 'succeeded') return new UserFacingError('not_found', messages.actions.notFinished);
  const image = record.images[imageIndex];
  if (image === undefined) {
    return new UserFacingError('not_found', messages.actions.noSuchImage(imageIndex, record.images.length));
  }
  return image;
}
