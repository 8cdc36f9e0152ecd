// Builds and updates one message of the channel. Updates happen in place: a new preview only
// swaps the picture's source, so the live image does not flicker or jump while it refines.
import { formatText } from './format-text.js';

const BOT_INITIAL = 'i';
const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * @typedef {{ token: string, me: string,
 *   onButton: (messageId: string, buttonId: string) => void,
 *   onBrush: (messageId: string, buttonId: string, imageUrl: string) => void,
 *   onForm: (message: object) => void,
 *   onReaction: (messageId: string, emoji: string) => void }} RenderContext
 */

/** @param {string} path @param {string} token @param {boolean} download */
export function imageUrl(path, token, download) {
  const query = new URLSearchParams({ token });
  if (download) query.set('download', '1');
  return `${path}?${query}`;
}

/** Creates the element for a message, or updates `existing` to show it. */
export function renderMessage(message, context, existing) {
  const article = existing ?? createShell(message);
  article.dataset.tone = message.tone;
  article.classList.toggle('private', message.visibleTo !== undefined);

  const main = /** @type {HTMLElement} */ (article.querySelector('.message-main'));
  main.querySelector('.edited')?.toggleAttribute('hidden', message.editedAt === undefined);
  replaceSection(main, 'title', () => {
    if (message.title === undefined) return undefined;
    const title = document.createElement('h2');
    title.textContent = message.title;
    return title;
  });
  replaceSection(main, 'text', () => {
    if (message.text === '') return undefined;
    const text = document.createElement('div');
    text.append(formatText(message.text));
    return text;
  });
  replaceSection(main, 'fields', () => renderFields(message));
  updatePreview(main, message);
  replaceSection(main, 'gallery', () => renderGallery(message, context), JSON.stringify(message.images));
  replaceSection(main, 'buttons', () => renderButtons(message, context));
  replaceSection(main, 'reactions', () => renderReactions(message, context));
  // A form addressed to this tab's user opens as a dialog, once.
  if (message.form !== undefined && message.visibleTo === context.me && article.dataset.formOpened === undefined) {
    article.dataset.formOpened = 'true';
    context.onForm(message);
  }
  replaceSection(main, 'private-note', () => {
    if (message.visibleTo === undefined) return undefined;
    const note = document.createElement('p');
    note.textContent = 'Only you can see this message.';
    return note;
  });
  return article;
}

function createShell(message) {
  const article = document.createElement('article');
  article.className = 'message';
  article.dataset.id = message.id;
  article.dataset.author = message.author.kind;

  const avatar = document.createElement('div');
  avatar.className = 'avatar';
  avatar.setAttribute('aria-hidden', 'true');
  avatar.textContent = message.author.kind === 'bot' ? BOT_INITIAL : message.author.name.slice(0, 1).toUpperCase();

  const main = document.createElement('div');
  main.className = 'message-main';
  if (message.replyTo !== undefined) {
    const context = document.createElement('p');
    context.className = 'reply-to';
    context.textContent = message.replyTo;
    article.append(context);
  }
  const header = document.createElement('header');
  const author = document.createElement('span');
  author.className = 'author';
  author.textContent = message.author.name;
  header.append(author);
  if (message.author.kind === 'bot') {
    const tag = document.createElement('span');
    tag.className = 'bot-tag';
    tag.textContent = 'BOT';
    header.append(tag);
  }
  const time = document.createElement('time');
  time.dateTime = new Date(message.createdAt).toISOString();
  time.textContent = TIME_FORMAT.format(message.createdAt);
  const edited = document.createElement('span');
  edited.className = 'edited';
  edited.textContent = '(edited)';
  header.append(time, edited);
  main.append(header);

  article.append(avatar, main);
  return article;
}

/**
 * Swaps the section with class `name` for a freshly built one (or removes it). With a `key`,
 * an unchanged section is left alone, so final images are not reloaded on every edit.
 */
function replaceSection(main, name, build, key) {
  const current = main.querySelector(`:scope > .${name}`);
  if (key !== undefined && current instanceof HTMLElement && current.dataset.key === key) return;
  const next = build();
  if (next !== undefined) {
    next.classList.add(name);
    if (key !== undefined) next.dataset.key = key;
  }
  if (current !== null && next !== undefined) current.replaceWith(next);
  else if (current !== null) current.remove();
  else if (next !== undefined) insertInOrder(main, next);
}

const SECTION_ORDER = ['title', 'text', 'fields', 'preview', 'gallery', 'buttons', 'reactions', 'private-note'];

function insertInOrder(main, section) {
  const rank = SECTION_ORDER.findIndex((name) => section.classList.contains(name));
  const after = [...main.children].find((child) =>
    SECTION_ORDER.findIndex((name) => child.classList.contains(name)) > rank);
  if (after === undefined) main.append(section);
  else after.before(section);
}

function updatePreview(main, message) {
  const preview = message.preview;
  let figure = main.querySelector(':scope > .preview');
  if (preview === undefined) {
    figure?.remove();
    return;
  }
  if (figure === null) {
    figure = document.createElement('figure');
    figure.className = 'preview';
    const img = document.createElement('img');
    img.alt = 'Live preview';
    figure.append(img);
    insertInOrder(main, figure);
  }
  const img = /** @type {HTMLImageElement} */ (figure.querySelector('img'));
  if (img.getAttribute('src') !== preview.dataUrl) img.src = preview.dataUrl;
}

function renderFields(message) {
  if (message.fields.length === 0) return undefined;
  const list = document.createElement('dl');
  for (const field of message.fields) {
    const item = document.createElement('div');
    item.className = field.inline ? 'field inline' : 'field';
    const label = document.createElement('dt');
    label.textContent = field.label;
    const value = document.createElement('dd');
    value.append(formatText(field.value));
    item.append(label, value);
    list.append(item);
  }
  return list;
}

function renderGallery(message, context) {
  if (message.images.length === 0) return undefined;
  const gallery = document.createElement('div');
  gallery.dataset.count = String(message.images.length);
  message.images.forEach((image, index) => {
    const figure = document.createElement('figure');
    figure.className = 'result';
    const link = document.createElement('a');
    link.href = imageUrl(image.path, context.token, false);
    link.target = '_blank';
    link.rel = 'noopener';
    const img = document.createElement('img');
    img.src = link.href;
    img.alt = `Image ${index + 1}: ${image.filename}`;
    if (image.width !== undefined && image.height !== undefined) {
      img.width = image.width;
      img.height = image.height;
    }
    link.append(img);
    const caption = document.createElement('figcaption');
    const download = document.createElement('a');
    download.className = 'download';
    download.href = imageUrl(image.path, context.token, true);
    download.download = image.filename;
    download.textContent = `Download ${image.filename}`;
    caption.append(download);
    figure.append(link, caption);
    gallery.append(figure);
  });
  return gallery;
}

function renderButtons(message, context) {
  if (message.buttonRows.length === 0) return undefined;
  const section = document.createElement('div');
  for (const row of message.buttonRows) {
    const rowElement = document.createElement('div');
    rowElement.className = 'button-row';
    for (const button of row) {
      const element = document.createElement('button');
      element.type = 'button';
      element.className = `action ${button.style}`;
      element.textContent = button.label;
      element.disabled = button.disabled === true;
      element.addEventListener('click', () => {
        const image = button.brush === undefined ? undefined : message.images[button.brush.imageIndex];
        if (image === undefined) context.onButton(message.id, button.id);
        else context.onBrush(message.id, button.id, imageUrl(image.path, context.token, false));
      });
      rowElement.append(element);
    }
    section.append(rowElement);
  }
  return section;
}

function renderReactions(message, context) {
  const emojis = [...new Set([...message.reactions.map((reaction) => reaction.emoji), ...message.reactionControls])];
  if (emojis.length === 0) return undefined;
  const section = document.createElement('div');
  for (const emoji of emojis) {
    const users = message.reactions.find((reaction) => reaction.emoji === emoji)?.users ?? [];
    const element = document.createElement('button');
    element.type = 'button';
    element.className = 'reaction';
    element.dataset.emoji = emoji;
    element.setAttribute('aria-pressed', String(users.includes(context.me)));
    element.setAttribute('aria-label', `React with ${emoji}`);
    element.title = users.length === 0 ? `React with ${emoji}` : users.join(', ');
    element.textContent = users.length === 0 ? emoji : `${emoji} ${users.length}`;
    element.addEventListener('click', () => context.onReaction(message.id, emoji));
    section.append(element);
  }
  return section;
}
