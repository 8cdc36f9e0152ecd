// Renders the bot's light markdown (**bold**, *italic*, `code`, line breaks) as DOM nodes.
// Text is never parsed as HTML, so prompts cannot inject markup into the page.

const INLINE = /(\*\*[^*]+\*\*|`[^`]+`|\*[^*\s][^*]*\*)/g;

/** @param {string} text @returns {DocumentFragment} */
export function formatText(text) {
  const fragment = document.createDocumentFragment();
  text.split('\n').forEach((line, index) => {
    if (index > 0) fragment.append(document.createElement('br'));
    for (const piece of line.split(INLINE)) {
      if (piece === '') continue;
      fragment.append(formatPiece(piece));
    }
  });
  return fragment;
}

/** @param {string} piece @returns {Node} */
function formatPiece(piece) {
  if (piece.startsWith('**') && piece.endsWith('**') && piece.length > 4) return wrap('strong', piece.slice(2, -2));
  if (piece.startsWith('`') && piece.endsWith('`') && piece.length > 2) return wrap('code', piece.slice(1, -1));
  if (piece.startsWith('*') && piece.endsWith('*') && piece.length > 2) return wrap('em', piece.slice(1, -1));
  return document.createTextNode(piece);
}

/** @param {string} tag @param {string} text */
function wrap(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}
