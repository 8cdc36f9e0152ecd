// Shortens text to a platform's or a layout's limit, marking the cut so nobody mistakes it for the whole.
const ELLIPSIS = '…';

/** `text` as is when it fits in `max` characters; otherwise its start and an ellipsis, `max` in all. */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - ELLIPSIS.length)}${ELLIPSIS}` : text;
}
