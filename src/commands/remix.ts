// Remix: a form prefilled with a finished job's prompt, negative prompt and main options; what
// comes back runs as a new job linked to its parent. The submitted text goes through the same
// checks as /imagine (inline flags included), so a remix can change anything /imagine can.
import { encodeActionId } from './action-id.js';
import type { CommandsConfig } from './config.js';
import { MAX_FORM_VALUE_CHARS, type FormValues, type FormView } from './form.js';
import type { GenerateRequest, Requester } from './generate-request.js';
import { buildImagineRequest, NO_STYLE } from './imagine.js';
import { parseInlineFlags } from './inline-flags.js';
import type { OptionValue } from './invocation.js';
import type { JobRecord } from './job-record.js';
import { MAX_NEGATIVE_CHARS, MAX_STRENGTH, MIN_STRENGTH } from './limits.js';
import { messages } from './messages.js';
import { parseDecimal } from './option-values.js';
import type { ScopeSettings } from './scope-settings.js';
import { UserFacingError } from './user-facing-error.js';

/** Form field ids; they double as /imagine's option names. */
export const REMIX_FIELDS = ['prompt', 'negative', 'size', 'steps', 'cfg'] as const;
export type RemixField = (typeof REMIX_FIELDS)[number];
const SHORT_FIELD_CHARS = 20;

export function remixForm(record: JobRecord): FormView {
  const { request } = record;
  const labels = messages.remix.labels;
  const value: Record<RemixField, string> = {
    prompt: request.prompt,
    negative: request.negativePrompt,
    size: `${request.width}x${request.height}`,
    steps: String(request.numInferenceSteps),
    cfg: String(request.guidanceScale),
  };
  return {
    id: encodeActionId({ kind: 'remix_submit', jobId: record.jobId }),
    title: messages.remix.title,
    submitLabel: messages.remix.submit,
    fields: REMIX_FIELDS.map((id) => ({
      id,
      label: labels[id],
      value: value[id].slice(0, MAX_FORM_VALUE_CHARS),
      multiline: id === 'prompt' || id === 'negative',
      required: id === 'prompt',
      maxLength: id === 'prompt' ? MAX_FORM_VALUE_CHARS : id === 'negative' ? MAX_NEGATIVE_CHARS : SHORT_FIELD_CHARS,
      ...(id === 'size' ? { placeholder: messages.remix.sizePlaceholder } : {}),
    })),
  };
}

export interface RemixContext {
  readonly config: CommandsConfig;
  readonly random: () => number;
  /** The server's and channel's bounds where the form is submitted, as for /imagine. */
  readonly bounds: ScopeSettings;
}

/**
 * The edited request: the form's values as /imagine options, the parent's model, sampler, count
 * and clip skip unless the prompt's flags say otherwise, and the parent's image, mask and canvas
 * when it started from one. A new seed unless `--seed` asks for one.
 */
export function remixRequest(record: JobRecord, values: FormValues, actor: Requester, context: RemixContext): GenerateRequest | UserFacingError {
  const parent = record.request;
  const prompt = values['prompt'] ?? '';
  const flags = parseInlineFlags(prompt);
  if (UserFacingError.is(flags)) return flags;
  const typed = flags.values;
  const options: Record<string, OptionValue> = {
    prompt,
    negative: values['negative'] ?? '',
    steps: values['steps'],
    cfg: values['cfg'],
    ...(typed.ar === undefined ? { size: values['size'] } : {}),
    ...(typed.style === undefined ? { style: NO_STYLE } : {}),
    ...(typed.model === undefined ? { model: parent.model } : {}),
    ...(typed.sampler === undefined && (typed.model === undefined || typed.model.value === parent.model) ? { sampler: parent.sampler } : {}),
    ...(typed.count === undefined ? { count: parent.count } : {}),
    ...(typed['clip-skip'] === undefined && parent.clipSkip !== undefined ? { 'clip-skip': parent.clipSkip } : {}),
  };
  let strength: number | undefined;
  try {
    strength = typed.strength === undefined ? undefined : parseDecimal(typed.strength.flag, typed.strength.value, MIN_STRENGTH, MAX_STRENGTH);
  } catch (error) {
    if (UserFacingError.is(error)) return error;
    throw error;
  }
  const request = buildImagineRequest(
    { requester: actor, command: 'imagine', options, attachments: [] },
    { config: context.config, settings: {}, random: context.random, bounds: context.bounds },
  );
  if (UserFacingError.is(request)) return request;
  return {
    ...request,
    ...(parent.init === undefined ? {} : { init: strength === undefined ? parent.init : { ...parent.init, strength } }),
    ...(parent.mask === undefined ? {} : { mask: parent.mask }),
    ...(parent.outpaint === undefined ? {} : { outpaint: parent.outpaint }),
    notes: request.notes.filter((note) => note !== messages.notes.strengthWithoutImage || parent.init === undefined),
    origin: 'remix',
    parentJobId: record.jobId,
  };
}
