// The commands layer's Reply view model → a Discord message: text with the fields, the files
// (fitted to the upload limit, NSFW policy applied) and the buttons.
import { ButtonStyle, ComponentType, escapeMarkdown, type APIActionRowComponent, type APIButtonComponentWithCustomId, type APIComponentInMessageActionRow } from 'discord.js';
import type { Reply, ReplyButton } from '../../commands/reply.js';
import type { JobMessageContent } from './job-message.js';
import { prepareResultFiles, type ResultFilesOptions } from './result-files.js';
import { clipText } from '../../commands/clip-text.js';

/** Discord refuses message content longer than this. */
export const MAX_CONTENT_CHARS = 2000;
const FIELD_SEPARATOR = ' · ';
const ERROR_PREFIX = '⚠️ ';

const STYLES: Readonly<Record<ReplyButton['style'], APIButtonComponentWithCustomId['style']>> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  danger: ButtonStyle.Danger,
};

export async function renderReply(reply: Reply, files: ResultFilesOptions): Promise<JobMessageContent> {
  const images = (reply.images ?? []).flatMap((image) =>
    image.png === undefined
      ? []
      : [{ filename: image.filename, png: image.png, width: image.width ?? 0, height: image.height ?? 0, nsfw: image.nsfw ?? false }],
  );
  // A progress step without a new preview keeps the one on screen.
  const keepFiles = reply.kind === 'progress' && images.length === 0;
  const prepared = keepFiles ? undefined : await prepareResultFiles(images, files);
  return {
    content: replyText(reply, prepared?.notes ?? []),
    ...(prepared ? { files: prepared.files.map((file) => ({ name: file.name, data: file.data })) } : {}),
    components: replyComponents(reply),
  };
}

export function replyText(reply: Reply, extraNotes: readonly string[] = []): string {
  const fields = reply.fields ?? [];
  const inline = fields.filter((field) => field.inline).map((field) => `**${field.label}:** ${escapeMarkup(field.value)}`);
  const body = escapeMarkup(reply.text);
  const lines = [
    ...(reply.title !== undefined ? [`**${escapeMarkup(reply.title)}**`] : []),
    reply.kind === 'error' ? `${ERROR_PREFIX}${body}` : body,
    ...fields.filter((field) => !field.inline).map((field) => `**${field.label}:** ${escapeMarkup(field.value)}`),
    ...(inline.length > 0 ? [inline.join(FIELD_SEPARATOR)] : []),
    ...extraNotes.map((note) => `-# ${note}`),
  ];
  const text = lines.filter((line) => line !== '').join('\n');
  return clipText(text, MAX_CONTENT_CHARS);
}

/** Markdown everything but `code` spans, so nothing a prompt carries can render. */
const CODE_SPAN = /(`[^`\n]*`)/;

/**
 * Reply text may hold `code` spans, nothing else; anything else that looks like markdown came from
 * a user (a prompt) and is shown as typed: no heading, no disguised link, no spoiler, no quote.
 */
export function escapeMarkup(text: string): string {
  return text
    .split(CODE_SPAN)
    .map((part, index) => (index % 2 === 1 ? part : escapeMarkdown(part, { heading: true, maskedLink: true, bulletedList: true, numberedList: true })))
    .join('')
    .replace(/^(\s*)(-#|>)/gm, '$1\\$2');
}

export function replyComponents(reply: Reply): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  return (reply.buttons ?? [])
    .filter((row) => row.length > 0)
    .map((row) => ({
      type: ComponentType.ActionRow,
      components: row.map(
        (button): APIButtonComponentWithCustomId => ({
          type: ComponentType.Button,
          custom_id: button.id,
          label: button.label,
          style: STYLES[button.style],
          ...(button.emoji !== undefined ? { emoji: { name: button.emoji } } : {}),
        }),
      ),
    }));
}
