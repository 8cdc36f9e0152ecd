// The IPC protocol between the bot (client.ts) and the pipeline worker process (worker.ts).
// Messages travel over Node's IPC channel with `serialization: 'advanced'`, so byte arrays arrive
// as Uint8Array/Buffer without base64. Both ends validate every message with these schemas.
import { z } from 'zod';
import {
  EXECUTION_PROVIDERS,
  GENERATION_PHASES,
  MAX_LORAS_PER_REQUEST,
  MAX_LORA_WEIGHT,
  MIN_LORA_WEIGHT,
  MAX_IMAGES_PER_REQUEST,
  MASK_REGIONS,
  MAX_SEED,
  MIN_IMAGES_PER_REQUEST,
  MODEL_KINDS,
  PAN_DIRECTIONS,
  SAMPLER_NAMES,
} from '../types.js';
import type { GenerationParams, GenerationResult } from '../types.js';
import { WORKER_ERROR_CODES } from './worker-error.js';

/** Bump when a message changes shape; the client refuses a worker speaking another version. */
export const PROTOCOL_VERSION = 1;

// Buffer is a Uint8Array too; either may arrive depending on how the sender built it.
const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { message: 'expected bytes (Uint8Array)' });
const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

const initImageSchema = z.object({
  data: bytes,
  strength: z.number().min(0).max(1),
});

const maskSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('image'), data: bytes }),
  z.object({ kind: z.literal('region'), region: z.enum(MASK_REGIONS) }),
]);

const inpaintMaskSchema = z.object({
  source: maskSourceSchema,
  blur: z.number().nonnegative(),
});

const outpaintSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('zoom'), factor: z.number().gt(1) }),
  z.object({ kind: z.literal('pan'), direction: z.enum(PAN_DIRECTIONS) }),
]);

const hiresFixSchema = z.object({
  scale: z.number().min(1).max(2),
  steps: positiveInt.optional(),
  denoise: z.number().min(0).max(1),
  upscaler: z.string().min(1),
});

export const generationParamsSchema = z.object({
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.number().int().min(0).max(MAX_SEED),
  numInferenceSteps: positiveInt,
  guidanceScale: z.number().nonnegative(),
  sampler: z.enum(SAMPLER_NAMES),
  width: positiveInt,
  height: positiveInt,
  count: z.number().int().min(MIN_IMAGES_PER_REQUEST).max(MAX_IMAGES_PER_REQUEST),
  clipSkip: z.number().int().nonnegative().optional(),
  init: initImageSchema.optional(),
  mask: inpaintMaskSchema.optional(),
  outpaint: outpaintSchema.optional(),
  hires: hiresFixSchema.optional(),
  upscaler: z.string().min(1).optional(),
  loras: z.array(z.object({ name: z.string().min(1), weight: z.number().min(MIN_LORA_WEIGHT).max(MAX_LORA_WEIGHT) })).max(MAX_LORAS_PER_REQUEST).readonly().optional(),
});

// ---- parent → worker -------------------------------------------------------------------------

const generateMessage = z.object({
  type: z.literal('generate'),
  jobId: z.uuid(),
  /** Configured model name. */
  model: z.string().min(1),
  params: generationParamsSchema,
});

const cancelMessage = z.object({ type: z.literal('cancel'), jobId: z.uuid() });
const shutdownMessage = z.object({ type: z.literal('shutdown') });
const pingMessage = z.object({ type: z.literal('ping'), nonce: z.number().int() });

export const parentMessageSchema = z.discriminatedUnion('type', [
  generateMessage,
  cancelMessage,
  shutdownMessage,
  pingMessage,
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;
export type GenerateMessage = z.infer<typeof generateMessage>;

// ---- worker → parent -------------------------------------------------------------------------

const modelEntry = z.object({
  name: z.string(),
  /** Known once the model has been loaded, or when the config names it. */
  kind: z.enum(MODEL_KINDS).optional(),
  resident: z.boolean(),
});
export type WorkerModelEntry = z.infer<typeof modelEntry>;

const readyMessage = z.object({
  type: z.literal('ready'),
  protocolVersion: z.number().int(),
  pid: z.number().int(),
  models: z.array(modelEntry),
  /** The provider the resident model actually runs on (after any cpu fallback). */
  provider: z.enum(EXECUTION_PROVIDERS),
  loadMs: nonNegative,
});

const startedMessage = z.object({
  type: z.literal('started'),
  jobId: z.uuid(),
  /** Time the worker sat idle since its previous job ended; null for its first job. */
  idleMs: nonNegative.nullable(),
});

const modelSwitchMessage = z.object({
  type: z.literal('model-switch'),
  jobId: z.uuid(),
  from: z.string().nullable(),
  to: z.string(),
  /** Release of the old model plus load of the new one. */
  ms: nonNegative,
});

const progressMessage = z.object({
  type: z.literal('progress'),
  jobId: z.uuid(),
  step: z.number().int().nonnegative(),
  total: positiveInt,
  preview: bytes.optional(),
  phase: z.enum(GENERATION_PHASES).optional(),
});

const resultImage = z.object({
  png: bytes,
  seed: z.number().int().min(0).max(MAX_SEED),
  width: positiveInt,
  height: positiveInt,
  nsfw: z.boolean(),
});

const resultMessage = z.object({
  type: z.literal('result'),
  jobId: z.uuid(),
  model: z.string(),
  images: z.array(resultImage).min(1),
  timings: z.object({
    totalMs: nonNegative,
    textEncodeMs: nonNegative,
    denoiseMs: nonNegative,
    decodeMs: nonNegative,
    msPerStep: nonNegative,
  }),
  truncatedWords: z.array(z.string()),
  loras: z
    .array(z.object({ name: z.string(), weight: z.number(), hash: z.string(), applied: z.number().int().nonnegative(), total: z.number().int().nonnegative() }))
    .optional(),
});

const errorMessage = z.object({
  type: z.literal('error'),
  /** Absent for errors that belong to no job (a failed start, an invalid message). */
  jobId: z.uuid().optional(),
  code: z.enum(WORKER_ERROR_CODES),
  message: z.string(),
});

/**
 * Sent right before a model load. onnxruntime-node builds sessions synchronously, so the worker
 * cannot heartbeat until the load is done; the parent allows the load timeout instead.
 */
const loadingMessage = z.object({ type: z.literal('loading'), model: z.string() });

const heartbeatMessage = z.object({ type: z.literal('heartbeat'), busy: z.boolean() });
const pongMessage = z.object({ type: z.literal('pong'), nonce: z.number().int() });

export const workerMessageSchema = z.discriminatedUnion('type', [
  readyMessage,
  startedMessage,
  modelSwitchMessage,
  progressMessage,
  resultMessage,
  errorMessage,
  loadingMessage,
  heartbeatMessage,
  pongMessage,
]);
export type WorkerMessage = z.infer<typeof workerMessageSchema>;
export type ReadyMessage = z.infer<typeof readyMessage>;
export type ResultMessage = z.infer<typeof resultMessage>;

/** Validation result without throwing: the receiving side decides what a bad message means. */
export type Parsed<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: string };

export function parseParentMessage(value: unknown): Parsed<ParentMessage> {
  return toParsed(parentMessageSchema.safeParse(value));
}

export function parseWorkerMessage(value: unknown): Parsed<WorkerMessage> {
  return toParsed(workerMessageSchema.safeParse(value));
}

function toParsed<T>(result: z.ZodSafeParseResult<T>): Parsed<T> {
  return result.success ? { ok: true, message: result.data } : { ok: false, error: z.prettifyError(result.error) };
}

export function resultOf(message: ResultMessage): GenerationResult {
  return {
    images: message.images,
    timings: message.timings,
    truncatedWords: message.truncatedWords,
    model: message.model,
    ...(message.loras === undefined ? {} : { loras: message.loras }),
  };
}

/** Compile-time guard for exhaustive switches over message types. */
export function assertNever(value: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(value)}`);
}

// The schemas must describe exactly the pipeline's own types.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const paramsMatch: Exact<Readonly<z.infer<typeof generationParamsSchema>>, GenerationParams> extends true ? true : never =
  true;
void paramsMatch;
