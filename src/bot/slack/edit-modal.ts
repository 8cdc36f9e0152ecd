// Editing a picture of the user's own on Slack, where a slash command cannot carry files: a modal
// (views.open) with a prompt and, from `/imagine edit`, file inputs for the image and its mask; from
// the "Edit with imagine" message shortcut, the message's pictures instead. The channel and the
// chosen files travel in private_metadata, since a view_submission carries neither.
import type { types } from '@slack/bolt';
import { clipText } from '../../commands/clip-text.js';
import { namedLikeMask } from '../../commands/imagine.js';
import { IMAGE_OPTION, MASK_OPTION } from '../../commands/init-image.js';
import { messages } from '../../commands/messages.js';
import type { SlackFileRef } from './slack-file-download.js';

/** The message shortcut's callback id, as the app manifest declares it. */
export const EDIT_SHORTCUT_ID = 'edit_image';
/** The modal's callback id (outside the result buttons' versioned ids). */
export const EDIT_VIEW_ID = 'imagine_edit';
const PROMPT_FIELD = 'prompt';
/** Extensions the file picker offers; the commands layer checks the bytes whatever they are called. */
const IMAGE_FILETYPES = ['png', 'jpg', 'jpeg', 'webp'];
/** One picture per input: the commands layer uses one image and one mask. */
const ONE_FILE = 1;
const MAX_INPUT_CHARS = 3000;
const MAX_TITLE_CHARS = 24;
const IMAGE_MIMETYPE = /^image\//i;
/** A message holds at most 10 files; their ids stay well within private_metadata's 3000 characters. */
const MAX_MESSAGE_FILES = 10;
const EDIT_WORD = /^edit(?:\s+([\s\S]*))?$/i;

export interface EditOrigin {
  readonly channelId: string;
  /** Files picked from a message (shortcut); absent when the modal asks for uploads. */
  readonly fileIds?: readonly string[];
}

export interface EditSubmission {
  readonly channelId: string;
  readonly prompt: string;
  /** With `option` from the modal's file inputs; without one (from a message), the name says which is the mask. */
  readonly files: readonly { readonly ref: SlackFileRef; readonly option?: string }[];
}

/** The prompt after `edit` (`/imagine edit a red barn`), or undefined when the text is no edit request. */
export function editCommandPrompt(text: string): string | undefined {
  const match = EDIT_WORD.exec(text.trim());
  return match === null ? undefined : (match[1] ?? '').trim();
}

/** A message's text as its author typed it: Slack escapes `&`, `<` and `>` in message text. */
export function typedText(messageText: string): string {
  return messageText.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** The image files of a message (a shortcut's payload), or none. */
export function messageImages(files: unknown): { readonly id: string; readonly name: string }[] {
  if (!Array.isArray(files)) return [];
  return (files as Partial<Record<string, unknown>>[])
    .filter((file) => typeof file.id === 'string' && typeof file.mimetype === 'string' && IMAGE_MIMETYPE.test(file.mimetype))
    .slice(0, MAX_MESSAGE_FILES)
    .map((file) => ({ id: String(file.id), name: typeof file.name === 'string' ? file.name : String(file.id) }));
}

export function editModal(origin: EditOrigin & { readonly names?: readonly string[] }, prompt: string): types.ModalView {
  const text = messages.imageEdit;
  const promptBlock: types.InputBlock = {
    type: 'input',
    block_id: PROMPT_FIELD,
    label: { type: 'plain_text', text: text.promptLabel },
    element: {
      type: 'plain_text_input',
      action_id: PROMPT_FIELD,
      multiline: true,
      max_length: MAX_INPUT_CHARS,
      placeholder: { type: 'plain_text', text: text.promptPlaceholder },
      ...(prompt === '' ? {} : { initial_value: prompt.slice(0, MAX_INPUT_CHARS) }),
    },
  };
  const fileBlocks: types.KnownBlock[] =
    origin.fileIds === undefined
      ? [fileInput(IMAGE_OPTION, text.imageLabel, text.imageHint, false), fileInput(MASK_OPTION, text.maskLabel, text.maskHint, true)]
      : [{ type: 'section', text: { type: 'mrkdwn', text: editingText(origin.names ?? []) } }];
  return {
    type: 'modal',
    callback_id: EDIT_VIEW_ID,
    private_metadata: JSON.stringify({ channelId: origin.channelId, ...(origin.fileIds === undefined ? {} : { fileIds: origin.fileIds }) }),
    title: { type: 'plain_text', text: clipText(text.title, MAX_TITLE_CHARS) },
    submit: { type: 'plain_text', text: clipText(text.submitLabel, MAX_TITLE_CHARS) },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [...fileBlocks, promptBlock],
  };
}

function fileInput(option: string, label: string, hint: string, optional: boolean): types.InputBlock {
  return {
    type: 'input',
    block_id: option,
    optional,
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: hint },
    element: { type: 'file_input', action_id: option, filetypes: IMAGE_FILETYPES, max_files: ONE_FILE },
  };
}

function editingText(names: readonly string[]): string {
  const mask = names.find(namedLikeMask);
  const image = names.find((name) => name !== mask) ?? names[0] ?? '';
  return messages.imageEdit.editing(image, mask);
}

interface SubmittedState {
  readonly values: Readonly<Record<string, Readonly<Record<string, { readonly value?: string | null; readonly files?: readonly unknown[] }>>>>;
}

/** What a submitted edit modal asks for; undefined when the view is not one of ours. */
export function editSubmission(view: { readonly private_metadata: string; readonly state: SubmittedState }): EditSubmission | undefined {
  const origin = editOrigin(view.private_metadata);
  if (origin === undefined) return undefined;
  const values = view.state.values;
  const uploaded = (option: string): { ref: SlackFileRef; option: string }[] =>
    (values[option]?.[option]?.files ?? []).filter(isFileRef).map((ref) => ({ ref, option }));
  const files = origin.fileIds === undefined ? [...uploaded(IMAGE_OPTION), ...uploaded(MASK_OPTION)] : origin.fileIds.map((id) => ({ ref: { id } }));
  return { channelId: origin.channelId, prompt: values[PROMPT_FIELD]?.[PROMPT_FIELD]?.value ?? '', files };
}

function editOrigin(privateMetadata: string): EditOrigin | undefined {
  try {
    const parsed = JSON.parse(privateMetadata) as { channelId?: unknown; fileIds?: unknown };
    if (typeof parsed.channelId !== 'string' || parsed.channelId === '') return undefined;
    const fileIds = Array.isArray(parsed.fileIds) ? parsed.fileIds.filter((id): id is string => typeof id === 'string') : undefined;
    return { channelId: parsed.channelId, ...(fileIds === undefined ? {} : { fileIds }) };
  } catch {
    return undefined;
  }
}

function isFileRef(file: unknown): file is SlackFileRef {
  return typeof file === 'object' && file !== null && typeof (file as { id?: unknown }).id === 'string';
}
