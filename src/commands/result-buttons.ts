// The buttons under a result, as in Midjourney: U1…Un and 🔄 in the first row, V1…Vn and ❌ in the
// second, 🖌 Remix in the third. A single image also gets the edits: Vary (Region) and Zoom Out
// beside Remix, Pan ⬅️ ➡️ ⬆️ ⬇️ in a fourth row. An upscaled image gets the edits and ❌: upscaling
// or varying it again rarely helps.
import { MASK_REGIONS, PAN_DIRECTIONS, type MaskRegion } from '../pipeline/types.js';
import { encodeActionId, ZOOM_FACTORS } from './action-id.js';
import type { RequestOrigin } from './generate-request.js';
import { messages } from './messages.js';
import { DELETE_EMOJI, REROLL_EMOJI } from './reactions.js';
import { MAX_BUTTONS_PER_ROW, type Reply, type ReplyButton } from './reply.js';

export const REMIX_EMOJI = '🖌️';
export const PAN_EMOJI = { left: '⬅️', right: '➡️', up: '⬆️', down: '⬇️' } as const;
/** Zoom Out buttons, widest first as in Midjourney. */
const ZOOMS_SHOWN = [...ZOOM_FACTORS].sort((a, b) => b - a);

export function resultButtons(jobId: string, origin: RequestOrigin, imageCount: number): ReplyButton[][] {
  const remove: ReplyButton = {
    id: encodeActionId({ kind: 'delete', jobId }),
    label: messages.buttons.delete,
    style: 'danger',
    emoji: DELETE_EMOJI,
  };
  const remix: ReplyButton = {
    id: encodeActionId({ kind: 'remix', jobId }),
    label: messages.buttons.remix,
    style: 'secondary',
    emoji: REMIX_EMOJI,
  };
  if (origin === 'upscale') {
    const [editRow, panRow] = editButtons(jobId, 0);
    return [[...editRow, remove], panRow];
  }
  const reroll: ReplyButton = {
    id: encodeActionId({ kind: 'reroll', jobId }),
    label: messages.buttons.reroll,
    style: 'primary',
    emoji: REROLL_EMOJI,
  };
  const indices = Array.from({ length: imageCount }, (_, index) => index);
  const upscales = indices.map((imageIndex): ReplyButton => ({
    id: encodeActionId({ kind: 'upscale', jobId, imageIndex }),
    label: messages.buttons.upscale(imageIndex),
    style: 'secondary',
  }));
  const variations = indices.map((imageIndex): ReplyButton => ({
    id: encodeActionId({ kind: 'variation', jobId, imageIndex }),
    label: messages.buttons.variation(imageIndex),
    style: 'secondary',
  }));
  const rows = [
    [...upscales, reroll],
    [...variations, remove],
  ];
  // A job that never finished (interrupted) keeps only Re-roll and Delete.
  if (imageCount === 0) return rows;
  if (imageCount !== 1) return [...rows, [remix]];
  const [editRow, panRow] = editButtons(jobId, 0);
  return [...rows, [remix, ...editRow], panRow];
}

/** Vary (Region) and Zoom Out in one row, Pan in the next. */
function editButtons(jobId: string, imageIndex: number): [ReplyButton[], ReplyButton[]] {
  const vary: ReplyButton = {
    id: encodeActionId({ kind: 'vary_region', jobId, imageIndex }),
    label: messages.buttons.varyRegion,
    style: 'secondary',
  };
  const zooms = ZOOMS_SHOWN.map((factor): ReplyButton => ({
    id: encodeActionId({ kind: 'zoom', jobId, imageIndex, factor }),
    label: messages.buttons.zoomOut(factor),
    style: 'secondary',
  }));
  const pans = PAN_DIRECTIONS.map((direction): ReplyButton => ({
    id: encodeActionId({ kind: 'pan', jobId, imageIndex, direction }),
    label: messages.buttons.pan(direction),
    style: 'secondary',
    emoji: PAN_EMOJI[direction],
  }));
  return [[vary, ...zooms], pans];
}

/** The choice Vary (Region) offers: one button per region, in rows of at most five. */
export function regionChoiceReply(jobId: string, imageIndex: number): Reply {
  const buttons = MASK_REGIONS.map((region: MaskRegion): ReplyButton => ({
    id: encodeActionId({ kind: 'vary_region', jobId, imageIndex, region }),
    label: messages.buttons.region(region),
    style: 'secondary',
  }));
  const rows: ReplyButton[][] = [];
  for (let start = 0; start < buttons.length; start += MAX_BUTTONS_PER_ROW) rows.push(buttons.slice(start, start + MAX_BUTTONS_PER_ROW));
  return { kind: 'info', text: messages.actions.chooseRegion(imageIndex), buttons: rows, ephemeral: true };
}
