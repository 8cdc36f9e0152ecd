// Turns a commands-layer Reply (the platform-neutral view model) into what the playground page
// shows. It knows nothing of commands: only the Reply's kind, text, fields, images and buttons.
import { randomUUID } from 'node:crypto';
import { parseActionId } from '../../commands/action-id.js';
import { REROLL_EMOJI } from '../../commands/reactions.js';
import type { Reply, ReplyButton, ReplyImage, ReplyKind } from '../../commands/reply.js';
import { imagePath } from './image-store.js';
import type { PlaygroundImageStore } from './image-store.js';
import type { MessagePatch } from './playground-channel.js';
import type { MessageTone, WireButton, WireImage } from './wire-protocol.js';

export interface RenderOptions {
  readonly images: PlaygroundImageStore;
  readonly newImageId?: () => string;
}

/** The whole look of a message, so an edit from one reply to the next leaves nothing stale behind. */
export type RenderedReply = Required<Pick<MessagePatch, 'text' | 'tone' | 'fields' | 'images' | 'buttonRows' | 'reactionControls'>> &
  Pick<MessagePatch, 'title' | 'preview'>;

const PENDING_KINDS: ReadonlySet<ReplyKind> = new Set(['ack', 'queued', 'progress']);

export async function renderReply(reply: Reply, options: RenderOptions): Promise<RenderedReply> {
  const isProgress = reply.kind === 'progress';
  const previewPng = isProgress ? reply.images?.[0]?.png : undefined;
  const buttonRows = renderButtonRows(reply.buttons ?? []);
  return {
    title: reply.title,
    text: reply.text,
    tone: toneOf(reply.kind),
    fields: reply.fields ?? [],
    preview: previewPng === undefined ? undefined : { dataUrl: pngDataUrl(previewPng) },
    images: isProgress ? [] : await storeImages(reply.images ?? [], options),
    buttonRows,
    // Reacting 🔄 does what the Re-roll button does, wherever the reply offers one.
    reactionControls: (reply.buttons ?? []).flat().some((button) => button.emoji === REROLL_EMOJI) ? [REROLL_EMOJI] : [],
  };
}

export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

function toneOf(kind: ReplyKind): MessageTone {
  if (kind === 'error') return 'error';
  return PENDING_KINDS.has(kind) ? 'pending' : 'normal';
}

/** The emoji goes in front of the label, as Discord shows it. */
export function renderButtonRows(rows: readonly (readonly ReplyButton[])[]): WireButton[][] {
  return rows.map((row) =>
    row.map((button) => {
      const action = parseActionId(button.id);
      // Here Vary (Region) opens a brush to paint the region on the image itself.
      const brush = action?.kind === 'vary_region' && action.region === undefined ? { brush: { imageIndex: action.imageIndex } } : {};
      return {
        id: button.id,
        label: button.emoji === undefined ? button.label : `${button.emoji} ${button.label}`,
        style: button.style,
        ...brush,
      };
    }),
  );
}

async function storeImages(images: readonly ReplyImage[], options: RenderOptions): Promise<WireImage[]> {
  const newId = options.newImageId ?? randomUUID;
  const shown: WireImage[] = [];
  for (const image of images) {
    // The presenter has already withheld what the NSFW policy keeps back; the reply's text says so.
    if (image.png === undefined) continue;
    const id = newId();
    await options.images.put(id, image.png);
    shown.push({
      path: imagePath(id, image.filename),
      filename: image.filename,
      ...(image.width === undefined ? {} : { width: image.width }),
      ...(image.height === undefined ? {} : { height: image.height }),
    });
  }
  return shown;
}
