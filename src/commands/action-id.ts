// Button ids for the actions on a result. They carry the job id, so a button on a message from
// before a restart still finds its stored job. Discord caps custom_id at 100 characters.
//   im1:rr:<jobId>              re-roll          im1:v:<jobId>:<i>            variations of image i (0-based)
//   im1:del:<jobId>             delete           im1:u:<jobId>:<i>            upscale of image i
//   im1:vr:<jobId>:<i>          choose a region  im1:vr:<jobId>:<i>:<region>  repaint that region of image i
//   im1:z:<jobId>:<i>:<factor>  zoom out         im1:p:<jobId>:<i>:<dir>      pan image i
//   im1:rx:<jobId>              open the Remix form   im1:rxf:<jobId>         the Remix form, submitted
import { MASK_REGIONS, MAX_IMAGES_PER_REQUEST, PAN_DIRECTIONS, type MaskRegion, type PanDirection } from '../pipeline/types.js';

export const ACTION_ID_VERSION = 'im1';
export const MAX_ACTION_ID_LENGTH = 100;
/** Zoom Out offers these; the canvas grows by the factor on each side. */
export const ZOOM_FACTORS = [1.5, 2] as const;
export type ZoomFactor = (typeof ZOOM_FACTORS)[number];
const SEPARATOR = ':';
/** UUIDs and similar; no separator, so parsing is unambiguous. */
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IMAGE_INDEX = /^(?:0|[1-9]\d*)$/;

export type ActionRef =
  | { readonly kind: 'reroll'; readonly jobId: string }
  | { readonly kind: 'variation'; readonly jobId: string; readonly imageIndex: number }
  | { readonly kind: 'upscale'; readonly jobId: string; readonly imageIndex: number }
  | { readonly kind: 'delete'; readonly jobId: string }
  /** Without a region: offer the choice (or, with a painted mask, repaint what was painted). */
  | { readonly kind: 'vary_region'; readonly jobId: string; readonly imageIndex: number; readonly region?: MaskRegion }
  | { readonly kind: 'zoom'; readonly jobId: string; readonly imageIndex: number; readonly factor: ZoomFactor }
  | { readonly kind: 'pan'; readonly jobId: string; readonly imageIndex: number; readonly direction: PanDirection }
  | { readonly kind: 'remix'; readonly jobId: string }
  | { readonly kind: 'remix_submit'; readonly jobId: string };
export type ActionKind = ActionRef['kind'];

const CODES: Readonly<Record<ActionKind, string>> = {
  reroll: 'rr',
  variation: 'v',
  upscale: 'u',
  delete: 'del',
  vary_region: 'vr',
  zoom: 'z',
  pan: 'p',
  remix: 'rx',
  remix_submit: 'rxf',
};
const KIND_OF_CODE: ReadonlyMap<string, ActionKind> = new Map(
  (Object.entries(CODES) as [ActionKind, string][]).map(([kind, code]) => [code, kind]),
);

/** The button id of an action. Throws RangeError for a job id or index no button can carry. */
export function encodeActionId(ref: ActionRef): string {
  if (!JOB_ID.test(ref.jobId)) throw new RangeError(`job id ${JSON.stringify(ref.jobId)} cannot go into a button id`);
  const parts = [ACTION_ID_VERSION, CODES[ref.kind], ref.jobId];
  if ('imageIndex' in ref) {
    if (!validIndex(ref.imageIndex)) throw new RangeError(`image index ${ref.imageIndex} is out of range`);
    parts.push(String(ref.imageIndex));
  }
  if (ref.kind === 'vary_region' && ref.region !== undefined) parts.push(ref.region);
  if (ref.kind === 'zoom') parts.push(String(ref.factor));
  if (ref.kind === 'pan') parts.push(ref.direction);
  const id = parts.join(SEPARATOR);
  if (id.length > MAX_ACTION_ID_LENGTH) throw new RangeError(`button id is ${id.length} characters long`);
  return id;
}

/** The action a button id stands for; undefined for anything that is not exactly one of ours. */
export function parseActionId(id: string): ActionRef | undefined {
  if (id.length > MAX_ACTION_ID_LENGTH) return undefined;
  const [version, code, jobId, index, detail, ...extra] = id.split(SEPARATOR);
  const kind = code === undefined ? undefined : KIND_OF_CODE.get(code);
  if (version !== ACTION_ID_VERSION || kind === undefined || jobId === undefined || !JOB_ID.test(jobId) || extra.length > 0) {
    return undefined;
  }
  switch (kind) {
    case 'reroll':
    case 'delete':
    case 'remix':
    case 'remix_submit':
      return index === undefined ? { kind, jobId } : undefined;
    default:
      break;
  }
  if (index === undefined || !IMAGE_INDEX.test(index) || !validIndex(Number(index))) return undefined;
  const imageIndex = Number(index);
  switch (kind) {
    case 'variation':
    case 'upscale':
      return detail === undefined ? { kind, jobId, imageIndex } : undefined;
    case 'vary_region': {
      if (detail === undefined) return { kind, jobId, imageIndex };
      const region = MASK_REGIONS.find((name) => name === detail);
      return region === undefined ? undefined : { kind, jobId, imageIndex, region };
    }
    case 'zoom': {
      const factor = ZOOM_FACTORS.find((value) => String(value) === detail);
      return factor === undefined ? undefined : { kind, jobId, imageIndex, factor };
    }
    case 'pan': {
      const direction = PAN_DIRECTIONS.find((name) => name === detail);
      return direction === undefined ? undefined : { kind, jobId, imageIndex, direction };
    }
  }
}

function validIndex(index: number): boolean {
  return Number.isInteger(index) && index >= 0 && index < MAX_IMAGES_PER_REQUEST;
}
