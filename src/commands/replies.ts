// Builders of the replies around a job: the acknowledgement, its place in the queue, progress,
// the result with its parameters and buttons, and refusals or failures.
import type { AppliedLoraInfo, GenerationPhase } from '../pipeline/types.js';
import type { GenerateRequest } from './generate-request.js';
import { messages } from './messages.js';
import type { Reply, ReplyField } from './reply.js';
import { resultButtons } from './result-buttons.js';
import type { ErrorCode, UserFacingError } from './user-facing-error.js';
import { clipText } from './clip-text.js';

/** Discord messages hold 2000 characters; the prompt must leave room for the rest. */
export const MAX_DISPLAY_PROMPT_CHARS = 1000;
/** A progress preview's file; every other image a job's message shows is part of its result. */
export const PREVIEW_FILENAME = 'preview.png';

/** Failures of a job already shown in the channel: they replace its public message. */
const JOB_FAILURE_CODES: ReadonlySet<ErrorCode> = new Set([
  'generation_failed', 'worker_crashed', 'timed_out', 'interrupted', 'cancelled', 'model_unavailable',
]);

export interface ResultImageView {
  readonly png?: Uint8Array;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly nsfw: boolean;
}

export interface ResultView {
  readonly jobId: string;
  readonly request: GenerateRequest;
  /** The pipeline's GeneratedImage fits as is. */
  readonly images: readonly ResultImageView[];
  /** Words the text encoder had no room for. */
  readonly truncatedWords?: readonly string[];
  /** The LoRAs as the pipeline applied them (modules matched out of all). */
  readonly loras?: readonly AppliedLoraInfo[];
  readonly elapsedMs?: number;
}

export function displayPrompt(prompt: string): string {
  return clipText(prompt, MAX_DISPLAY_PROMPT_CHARS);
}

/** Shown at once when a request is accepted; later edited into progress and the result. */
export function ackReply(request: GenerateRequest): Reply {
  const prompt = displayPrompt(request.prompt);
  const source = request.init?.source;
  const imageIndex = source?.kind === 'result' ? source.imageIndex : 0;
  return { kind: 'ack', text: ackText(request, imageIndex, prompt), ephemeral: false };
}

function ackText(request: GenerateRequest, imageIndex: number, prompt: string): string {
  const { outpaint } = request;
  switch (request.origin) {
    case 'reroll':
      return messages.acks.reroll(prompt);
    case 'variation':
      return messages.acks.variation(imageIndex, prompt);
    case 'upscale':
      return messages.acks.upscale(imageIndex, request.resizeOnly === true, request.upscaler);
    case 'vary_region': {
      const source = request.mask?.source;
      return messages.acks.varyRegion(source?.kind === 'region' ? source.region : undefined, imageIndex, prompt);
    }
    case 'zoom':
      return messages.acks.zoom(outpaint?.kind === 'zoom' ? outpaint.factor : 1, imageIndex, prompt);
    case 'pan':
      return messages.acks.pan(outpaint?.kind === 'pan' ? outpaint.direction : 'left', imageIndex, prompt);
    case 'remix':
      return messages.acks.remix(prompt);
    case 'imagine':
      return messages.acks.imagine(prompt);
  }
}

/** "Queued: 3rd in line, about 40 s." `position` is 1-based; 0 means it is starting. */
export function queuedReply(position: number, etaMs: number): Reply {
  return { kind: 'queued', text: messages.progress.queued(position, etaMs), ephemeral: false };
}

/** The job runs again from the start (its worker was lost, or the bot restarted). */
export function restartedReply(reason: 'stalled' | 'restart'): Reply {
  return { kind: 'queued', text: messages.progress.restarted(reason), ephemeral: false };
}

export function progressReply(progress: {
  readonly step: number;
  readonly total: number;
  readonly preview?: Uint8Array;
  readonly phase?: GenerationPhase;
}): Reply {
  const text = progress.phase === 'applying_lora' ? messages.progress.applyingLora : messages.progress.step(progress.step, progress.total);
  return {
    kind: 'progress',
    text,
    ...(progress.preview === undefined ? {} : { images: [{ filename: PREVIEW_FILENAME, png: progress.preview }] }),
    ephemeral: false,
  };
}

export function resultReply(result: ResultView): Reply {
  const { request, images } = result;
  const notes = [...request.notes];
  if ((result.truncatedWords ?? []).length > 0) notes.push(messages.notes.truncated(result.truncatedWords ?? []));
  if (images.some((image) => image.nsfw)) notes.push(messages.result.flagged);
  for (const lora of result.loras ?? []) {
    if (lora.applied < lora.total) notes.push(messages.loras.partlyApplied(lora.name, lora.applied, lora.total));
  }
  const suffix = request.origin === 'upscale' ? '-upscaled' : '';
  return {
    kind: 'result',
    text: [displayPrompt(request.prompt), ...notes].join('\n'),
    fields: resultFields(result),
    images: images.map((image) => ({
      filename: `imagine-${image.seed}${suffix}.png`,
      ...(image.png === undefined ? {} : { png: image.png }),
      width: image.width,
      height: image.height,
      nsfw: image.nsfw,
    })),
    buttons: resultButtons(result.jobId, request.origin, images.length),
    ephemeral: false,
  };
}

export function errorReply(error: UserFacingError): Reply {
  // The message is the text messages.ts wrote for this error; it is never swapped for another.
  return { kind: 'error', text: error.message, ephemeral: !JOB_FAILURE_CODES.has(error.code) };
}

export function infoReply(text: string, ephemeral = true): Reply {
  return { kind: 'info', text, ephemeral };
}

function resultFields(result: ResultView): ReplyField[] {
  const { request, images } = result;
  const labels = messages.result.labels;
  const seeds = images.length > 0
    ? images.map((image) => image.seed)
    : Array.from({ length: request.count }, (_, i) => request.seed + i);
  const first = images[0];
  const fields: ReplyField[] = [];
  if (request.negativePrompt !== '') {
    fields.push({ label: labels.negative, value: displayPrompt(request.negativePrompt), inline: false });
  }
  fields.push(
    { label: seeds.length === 1 ? labels.seed : labels.seeds, value: seeds.join(', '), inline: true },
    { label: labels.steps, value: String(request.numInferenceSteps), inline: true },
    { label: labels.sampler, value: messages.samplerLabel(request.sampler), inline: true },
    { label: labels.cfg, value: String(request.guidanceScale), inline: true },
    {
      label: labels.size,
      value: messages.formatSize(first?.width ?? request.width, first?.height ?? request.height),
      inline: true,
    },
    { label: labels.model, value: request.model, inline: true },
  );
  if (request.init !== undefined && request.resizeOnly !== true) {
    fields.push({ label: labels.strength, value: String(request.init.strength), inline: true });
  }
  if (request.clipSkip !== undefined) fields.push({ label: labels.clipSkip, value: String(request.clipSkip), inline: true });
  if (request.loras !== undefined && request.loras.length > 0) {
    fields.push({ label: labels.loras, value: request.loras.map((lora) => `${lora.name}:${lora.weight}`).join(', '), inline: false });
  }
  if (result.elapsedMs !== undefined) {
    fields.push({ label: labels.time, value: messages.formatDuration(result.elapsedMs), inline: true });
  }
  return fields;
}
