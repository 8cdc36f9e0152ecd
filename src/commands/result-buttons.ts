// The buttons under a result: U1…Un and 🔄 in the first row, V1…Vn and ❌ in the second, as in
// Midjourney. An upscaled image only gets ❌: upscaling or varying it again rarely helps.
import { encodeActionId } from './action-id.js';
import type { RequestOrigin } from './generate-request.js';
import { messages } from './messages.js';
import { DELETE_EMOJI, REROLL_EMOJI } from './reactions.js';
import type { ReplyButton } from './reply.js';

export function resultButtons(jobId: string, origin: RequestOrigin, imageCount: number): ReplyButton[][] {
  const remove: ReplyButton = {
    id: encodeActionId({ kind: 'delete', jobId }),
    label: messages.buttons.delete,
    style: 'danger',
    emoji: DELETE_EMOJI,
  };
  if (origin === 'upscale') return [[remove]];
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
  return [
    [...upscales, reroll],
    [...variations, remove],
  ];
}
