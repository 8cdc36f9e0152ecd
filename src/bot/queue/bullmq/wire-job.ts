// What travels through Redis between bot and worker hosts: job data, progress and results, each
// validated where it is read, since another process (maybe another version) wrote it.
import { z } from 'zod';
import { WORKER_ERROR_CODES, WorkerError } from '../../../pipeline/ipc/worker-error.js';
import { SAMPLER_NAMES } from '../../../pipeline/types.js';
import type { GenerationParams, GenerationProgress } from '../../../pipeline/types.js';

const paramsSchema = z.object({
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.number().int().nonnegative(),
  numInferenceSteps: z.number().int().positive(),
  guidanceScale: z.number(),
  sampler: z.enum(SAMPLER_NAMES),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  count: z.number().int().positive(),
  clipSkip: z.number().int().positive().optional(),
  /** Init image as base64: job data is JSON. */
  init: z.object({ data: z.string(), strength: z.number() }).optional(),
});

const jobDataSchema = z.object({
  jobId: z.string().min(1),
  model: z.string().min(1),
  params: paramsSchema,
  user: z.string().min(1),
  /** The bot that delivers this job. */
  owner: z.string().min(1),
  round: z.number().int().nonnegative(),
  cost: z.number().nonnegative(),
  enqueuedAt: z.number(),
});

export type WireJobData = z.output<typeof jobDataSchema>;

const progressSchema = z.object({
  step: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  preview: z.string().optional(),
  worker: z.string(),
  sentAt: z.number(),
});

export type WireProgress = z.output<typeof progressSchema>;

const timingsSchema = z.object({
  totalMs: z.number(),
  textEncodeMs: z.number(),
  denoiseMs: z.number(),
  decodeMs: z.number(),
  msPerStep: z.number(),
});

const resultSchema = z.object({
  images: z.array(
    z.object({ seed: z.number(), width: z.number(), height: z.number(), nsfw: z.boolean(), key: z.string() }),
  ),
  timings: timingsSchema,
  truncatedWords: z.array(z.string()),
  model: z.string(),
  worker: z.string(),
});

export type WireResult = z.output<typeof resultSchema>;

const failureSchema = z.object({ code: z.enum(WORKER_ERROR_CODES), message: z.string() });

export function encodeParams(params: GenerationParams): WireJobData['params'] {
  const { init, ...rest } = params;
  return { ...rest, ...(init === undefined ? {} : { init: { data: Buffer.from(init.data).toString('base64'), strength: init.strength } }) };
}

export function decodeParams(params: WireJobData['params']): GenerationParams {
  const { init, ...rest } = params;
  return { ...rest, ...(init === undefined ? {} : { init: { data: new Uint8Array(Buffer.from(init.data, 'base64')), strength: init.strength } }) };
}

export function parseJobData(value: unknown): WireJobData {
  return jobDataSchema.parse(value);
}

export function encodeProgress(progress: GenerationProgress, worker: string, sentAt: number): WireProgress {
  return {
    step: progress.step,
    total: progress.total,
    ...(progress.preview === undefined ? {} : { preview: Buffer.from(progress.preview).toString('base64') }),
    worker,
    sentAt,
  };
}

/** Undefined for progress that is not ours (BullMQ allows any JSON). */
export function parseProgress(value: unknown): WireProgress | undefined {
  const parsed = progressSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export function decodePreview(progress: WireProgress): Uint8Array | undefined {
  return progress.preview === undefined ? undefined : new Uint8Array(Buffer.from(progress.preview, 'base64'));
}

export function parseResult(value: unknown): WireResult {
  return resultSchema.parse(value);
}

/** A worker's failure as BullMQ's failedReason (a string). */
export function encodeFailure(error: WorkerError): string {
  return JSON.stringify({ code: error.code, message: error.message });
}

/**
 * Back from failedReason. BullMQ's own reasons (a stalled job given up on, a lost lock) are not
 * ours: they come back as undefined for the caller to name.
 */
export function decodeFailure(reason: string, jobId: string): WorkerError | undefined {
  try {
    const parsed = failureSchema.safeParse(JSON.parse(reason));
    return parsed.success ? new WorkerError(parsed.data.code, parsed.data.message, jobId) : undefined;
  } catch {
    return undefined;
  }
}
