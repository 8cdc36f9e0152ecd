// Button ids for the actions on a result. They carry the job id, so a button on a message from
// before a restart still finds its stored job. Discord caps custom_id at 100 characters.
//   im1:rr:<jobId>       re-roll          im1:v:<jobId>:<i>   variations of image i (0-based)
//   im1:del:<jobId>      delete           im1:u:<jobId>:<i>   upscale of image i
import { MAX_IMAGES_PER_REQUEST } from '../pipeline/types.js';

export const ACTION_ID_VERSION = 'im1';
export const MAX_ACTION_ID_LENGTH = 100;
const SEPARATOR = ':';
/** UUIDs and similar; no separator, so parsing is unambiguous. */
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IMAGE_INDEX = /^(?:0|[1-9]\d*)$/;

export type ActionRef =
  | { readonly kind: 'reroll'; readonly jobId: string }
  | { readonly kind: 'variation'; readonly jobId: string; readonly imageIndex: number }
  | { readonly kind: 'upscale'; readonly jobId: string; readonly imageIndex: number }
  | { readonly kind: 'delete'; readonly jobId: string };
export type ActionKind = ActionRef['kind'];

const CODES: Readonly<Record<ActionKind, string>> = { reroll: 'rr', variation: 'v', upscale: 'u', delete: 'del' };

/** The button id of an action. Throws RangeError for a job id or index no button can carry. */
export function encodeActionId(ref: ActionRef): string {
  if (!JOB_ID.test(ref.jobId)) throw new RangeError(`job id ${JSON.stringify(ref.jobId)} cannot go into a button id`);
  const parts = [ACTION_ID_VERSION, CODES[ref.kind], ref.jobId];
  if (ref.kind === 'variation' || ref.kind === 'upscale') {
    if (!validIndex(ref.imageIndex)) throw new RangeError(`image index ${ref.imageIndex} is out of range`);
    parts.push(String(ref.imageIndex));
  }
  const id = parts.join(SEPARATOR);
  if (id.length > MAX_ACTION_ID_LENGTH) throw new RangeError(`button id is ${id.length} characters long`);
  return id;
}

/** The action a button id stands for; undefined for anything that is not exactly one of ours. */
export function parseActionId(id: string): ActionRef | undefined {
  if (id.length > MAX_ACTION_ID_LENGTH) return undefined;
  const [version, code, jobId, index, ...extra] = id.split(SEPARATOR);
  if (version !== ACTION_ID_VERSION || jobId === undefined || !JOB_ID.test(jobId) || extra.length > 0) return undefined;
  if (code === CODES.reroll || code === CODES.delete) {
    if (index !== undefined) return undefined;
    return { kind: code === CODES.reroll ? 'reroll' : 'delete', jobId };
  }
  if (code !== CODES.variation && code !== CODES.upscale) return undefined;
  if (index === undefined || !IMAGE_INDEX.test(index) || !validIndex(Number(index))) return undefined;
  return { kind: code === CODES.variation ? 'variation' : 'upscale', jobId, imageIndex: Number(index) };
}

function validIndex(index: number): boolean {
  return Number.isInteger(index) && index >= 0 && index < MAX_IMAGES_PER_REQUEST;
}
