// The commands layer's Reply view model → a Discord message: text with the fields, the files
// (fitted to the upload limit, NSFW policy applied) and the buttons.
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponentWithCustomId, type APIComponentInMessageActionRow } from 'discord.js';
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
  const inline = fields.filter((field) => field.inline).map((field) => `**${field.label}:** ${field.value}`);
  const lines = [
    ...(reply.title !== undefined ? [`**${reply.title}**`] : []),
    reply.kind === 'error' ? `${ERROR_PREFIX}${reply.text}` : reply.text,
    ...fields.filter((field) => !field.inline).map((field) => `**${field.label}:** ${field.value}`),
    ...(inline.length > 0 ? [inline.join(FIELD_SEPARATOR)] : []),
    ...extraNotes.map((note) => `-# ${note}`),
  ];
  const text = lines.filter((line) => line !== '').join('\n');
  return clipText(text, MAX_CONTENT_CHARS);
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
