// The playground page: a channel view, a name field (each tab is its own user) and a command
// line. It renders what the server sends and sends back what the user types or clicks.
import { Connection } from './connection.js';
import { openBrushDialog, openFormDialog, readAsDataUrl } from './editing-dialogs.js';
import { renderMessage } from './render-message.js';

const NAME_KEY = 'imagine-playground-name';
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;
const GUEST_NUMBER_RANGE = 10_000;
/** Within this many pixels of the bottom, new messages keep the view scrolled down. */
const STICKY_SCROLL_PX = 80;

const token = new URLSearchParams(location.search).get('token') ?? '';
const list = /** @type {HTMLElement} */ (document.getElementById('messages'));
const nameInput = /** @type {HTMLInputElement} */ (document.getElementById('name'));
const composer = /** @type {HTMLFormElement} */ (document.getElementById('composer'));
const commandInput = /** @type {HTMLInputElement} */ (document.getElementById('command'));
const note = /** @type {HTMLElement} */ (document.getElementById('composer-note'));
const connectionBadge = /** @type {HTMLElement} */ (document.getElementById('connection'));

// sessionStorage is per tab, so two tabs are two users unless someone types the same name.
let me = sessionStorage.getItem(NAME_KEY) ?? `guest-${Math.floor(Math.random() * GUEST_NUMBER_RANGE)}`;
nameInput.value = me;

const context = {
  token,
  get me() { return me; },
  onButton: (messageId, buttonId) => connection.send({ type: 'button', user: me, messageId, buttonId }),
  onReaction: (messageId, emoji) => connection.send({ type: 'reaction', user: me, messageId, emoji }),
  onBrush: async (messageId, buttonId, url) => {
    const painted = await openBrushDialog(url);
    if (painted === undefined) return;
    connection.send({ type: 'button', user: me, messageId, buttonId, ...(painted === 'regions' ? {} : { mask: painted }) });
  },
  onForm: async (message) => {
    const values = await openFormDialog(message.form);
    if (values !== undefined) connection.send({ type: 'form', user: me, messageId: message.id, formId: message.form.id, values });
  },
};

const imageFile = /** @type {HTMLInputElement} */ (document.getElementById('image-file'));
const maskFile = /** @type {HTMLInputElement} */ (document.getElementById('mask-file'));

/** The picked image and mask, as /imagine's `image` and `mask` options. */
async function pickedAttachments() {
  const picked = [];
  for (const [option, input] of [['image', imageFile], ['mask', maskFile]]) {
    const file = input.files?.[0];
    if (file !== undefined) picked.push({ option, filename: file.name, dataUrl: await readAsDataUrl(file) });
  }
  return picked;
}

const connection = new Connection(token, {
  onOpen: () => connection.send({ type: 'hello', user: me }),
  onState: (state) => {
    connectionBadge.dataset.state = state;
    connectionBadge.textContent = { connecting: 'connecting…', open: 'connected', closed: 'disconnected' }[state];
    // Each start makes a new token, so a page from before a restart cannot get back in.
    if (state === 'closed') note.textContent = 'Disconnected. If the playground restarted, open the new URL from its log.';
    if (state === 'open' && note.textContent?.startsWith('Disconnected')) note.textContent = '';
  },
  onMessage: (message) => receive(message),
});

function receive(message) {
  switch (message.type) {
    case 'welcome':
      list.replaceChildren(...message.messages.map((item) => renderMessage(item, context)));
      list.scrollTop = list.scrollHeight;
      break;
    case 'upsert':
      upsert(message.message);
      break;
    case 'remove':
      list.querySelector(`[data-id="${CSS.escape(message.messageId)}"]`)?.remove();
      break;
    case 'rejected':
      note.textContent = message.reason;
      break;
  }
}

function upsert(message) {
  const stick = list.scrollHeight - list.scrollTop - list.clientHeight < STICKY_SCROLL_PX;
  const existing = list.querySelector(`[data-id="${CSS.escape(message.id)}"]`);
  const element = renderMessage(message, context, existing ?? undefined);
  if (existing === null) list.append(element);
  if (!stick) return;
  list.scrollTop = list.scrollHeight;
  // Results grow once their PNGs arrive; stay with the newest message.
  for (const img of element.querySelectorAll('img')) {
    if (!img.complete) img.addEventListener('load', () => { list.scrollTop = list.scrollHeight; }, { once: true });
  }
}

const sent = [];
let recall = 0;

composer.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = commandInput.value.trim();
  if (text === '') return;
  note.textContent = '';
  const attachments = await pickedAttachments();
  connection.send({ type: 'command', user: me, text, ...(attachments.length === 0 ? {} : { attachments }) });
  imageFile.value = '';
  maskFile.value = '';
  sent.push(text);
  recall = sent.length;
  commandInput.value = '';
});

// Up and down walk through what this tab sent, as in a terminal or Discord's edit-last.
commandInput.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  recall = Math.max(0, Math.min(sent.length, recall + (event.key === 'ArrowUp' ? -1 : 1)));
  commandInput.value = sent[recall] ?? '';
  event.preventDefault();
});

nameInput.addEventListener('change', () => {
  const name = nameInput.value.trim();
  if (!NAME_PATTERN.test(name)) {
    note.textContent = 'Names use letters, digits, spaces, dots, dashes or underscores.';
    nameInput.value = me;
    return;
  }
  me = name;
  sessionStorage.setItem(NAME_KEY, me);
  note.textContent = '';
  connection.send({ type: 'hello', user: me });
});

if (token === '') note.textContent = 'This page needs the URL printed at start-up, which ends in ?token=…';
connection.connect();
