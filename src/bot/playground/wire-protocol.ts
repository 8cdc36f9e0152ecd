// The WebSocket protocol between the page and the server. The page's messages are validated here,
// at the boundary; the server's messages are plain data the page renders without interpretation.
import { z } from 'zod';

/** Discord's message length limit, so prompts that work here work there. */
export const MAX_COMMAND_LENGTH = 2_000;
export const MAX_USER_NAME_LENGTH = 32;
const MAX_ID_LENGTH = 128;
const MAX_EMOJI_LENGTH = 16;

/** Letters, digits, spaces and `._-`: readable in a channel, safe as a user id. */
export const userNameSchema = z
  .string()
  .trim()
  .min(1, 'a name is required')
  .max(MAX_USER_NAME_LENGTH)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, 'use letters, digits, spaces, dots, dashes or underscores');

const idSchema = z.string().min(1).max(MAX_ID_LENGTH);

/** An uploaded picture or a painted mask: 10 MiB of image, base64 in a data URL. */
export const MAX_DATA_URL_LENGTH = 14 * 1024 * 1024;
const MAX_FILENAME_LENGTH = 128;
const MAX_FORM_VALUE_LENGTH = 4_000;
const MAX_FORM_FIELDS = 8;
const dataUrlSchema = z.string().max(MAX_DATA_URL_LENGTH).regex(/^data:image\/[a-z+.-]+;base64,[A-Za-z0-9+/=]*$/, 'an image as a base64 data URL');

/** A picture sent with a command, as the slash option it stands for. */
export const wireAttachmentSchema = z.object({
  option: z.enum(['image', 'mask']),
  filename: z.string().min(1).max(MAX_FILENAME_LENGTH),
  dataUrl: dataUrlSchema,
});
export type WireAttachment = z.infer<typeof wireAttachmentSchema>;

export const clientMessageSchema = z.discriminatedUnion('type', [
  /** Sent on connect and whenever the name field changes; the reply is the history this name may see. */
  z.object({ type: z.literal('hello'), user: userNameSchema }),
  z.object({
    type: z.literal('command'),
    user: userNameSchema,
    text: z.string().max(MAX_COMMAND_LENGTH),
    attachments: z.array(wireAttachmentSchema).max(2).optional(),
  }),
  /** `mask`: the area painted with the brush (white repaints), for a button that opens the brush. */
  z.object({ type: z.literal('button'), user: userNameSchema, messageId: idSchema, buttonId: idSchema, mask: dataUrlSchema.optional() }),
  /** A submitted form (Remix), from the message that showed it. */
  z.object({
    type: z.literal('form'),
    user: userNameSchema,
    messageId: idSchema,
    formId: idSchema,
    values: z.record(z.string().max(MAX_ID_LENGTH), z.string().max(MAX_FORM_VALUE_LENGTH)).refine((values) => Object.keys(values).length <= MAX_FORM_FIELDS),
  }),
  z.object({
    type: z.literal('reaction'),
    user: userNameSchema,
    messageId: idSchema,
    emoji: z.string().min(1).max(MAX_EMOJI_LENGTH),
  }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type ButtonStyle = 'primary' | 'secondary' | 'success' | 'danger';

export interface WireButton {
  readonly id: string;
  readonly label: string;
  readonly style: ButtonStyle;
  readonly disabled?: boolean;
  /** The button opens the brush on image `imageIndex` of its message (Vary (Region)). */
  readonly brush?: { readonly imageIndex: number };
}

export interface WireFormField {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly multiline: boolean;
  readonly required: boolean;
  readonly maxLength: number;
  readonly placeholder?: string;
}

/** A form the page shows as a dialog to the one user it is for. */
export interface WireForm {
  readonly id: string;
  readonly title: string;
  readonly submitLabel: string;
  readonly fields: readonly WireFormField[];
}

export interface WireImage {
  /** Server path of the exact PNG bytes; the page appends the token (and `download=1` for saving). */
  readonly path: string;
  readonly filename: string;
  /** Known for results; lets the page reserve the space before the PNG arrives. */
  readonly width?: number;
  readonly height?: number;
}

export interface WirePreview {
  /** A small PNG as a data URL, so each edit carries its own picture and none can arrive stale. */
  readonly dataUrl: string;
}

export interface WireField {
  readonly label: string;
  readonly value: string;
  /** Short values that may sit side by side. */
  readonly inline: boolean;
}

export interface WireReaction {
  readonly emoji: string;
  readonly users: readonly string[];
}

export type MessageTone = 'normal' | 'pending' | 'error';

export interface WireMessage {
  readonly id: string;
  readonly author: { readonly kind: 'user' | 'bot'; readonly name: string };
  /** Set for replies only their requester sees (Discord's ephemeral replies). */
  readonly visibleTo?: string;
  /** A line above the message saying what it answers, e.g. "ann used /imagine". */
  readonly replyTo?: string;
  readonly title?: string;
  /** Light markup: `code`, **bold**, *italic*; never HTML. */
  readonly text: string;
  readonly fields: readonly WireField[];
  readonly tone: MessageTone;
  readonly preview?: WirePreview;
  readonly images: readonly WireImage[];
  readonly buttonRows: readonly (readonly WireButton[])[];
  readonly reactions: readonly WireReaction[];
  /** Emoji the page offers as one-click reactions on this message (🔄 re-rolls). */
  readonly reactionControls: readonly string[];
  /** A form (Remix) that opens as a dialog for the user in `visibleTo`. */
  readonly form?: WireForm;
  /** The job this message shows, so a message left unfinished by a restart can offer a re-roll. */
  readonly jobId?: string;
  readonly createdAt: number;
  readonly editedAt?: number;
}

export type ServerMessage =
  | { readonly type: 'welcome'; readonly user: string; readonly messages: readonly WireMessage[] }
  | { readonly type: 'upsert'; readonly message: WireMessage }
  | { readonly type: 'remove'; readonly messageId: string }
  /** The page sent something the server could not accept; shown in the input area. */
  | { readonly type: 'rejected'; readonly reason: string };
