// Checks an uploaded init image before it is queued: size in bytes, a format we decode, and its
// pixel count where the header tells. The pipeline decodes it and checks again.
import type { CommandsConfig } from './config.js';
import type { InvocationAttachment } from './invocation.js';
import { readImageHeader, type ImageHeader } from './image-header.js';
import { echo } from './option-values.js';
import { invalidOption } from './user-facing-error.js';
import { messages } from './messages.js';

export const IMAGE_OPTION = 'image';
export const MASK_OPTION = 'mask';
const IMAGE_CONTENT_TYPE = /^image\//i;

export interface CheckedInitImage {
  readonly data: Uint8Array;
  readonly filename: string;
  readonly header: ImageHeader;
}

/** Throws an invalid_option UserFacingError naming `option` (`image` or `mask`) when the upload cannot be used. */
export function checkInitImage(
  attachment: InvocationAttachment,
  limits: CommandsConfig['initImage'],
  option: string = IMAGE_OPTION,
): CheckedInitImage {
  const refuse = (message: string, value: string, allowed: string): never => {
    throw invalidOption(message, { option, value, allowed });
  };
  const name = echo(attachment.filename);
  const declaredSize = Math.max(attachment.size, attachment.data?.length ?? 0);
  if (declaredSize > limits.maxBytes) {
    refuse(
      messages.image.tooLarge(name, messages.formatBytes(declaredSize), messages.formatBytes(limits.maxBytes), option),
      messages.formatBytes(declaredSize),
      messages.image.maxBytes(messages.formatBytes(limits.maxBytes)),
    );
  }
  const contentType = attachment.contentType;
  if (contentType !== undefined && contentType !== '' && !IMAGE_CONTENT_TYPE.test(contentType)) {
    refuse(messages.image.notAnImage(name, contentType, option), contentType, messages.image.formats);
  }
  const data = attachment.data;
  if (data === undefined) return refuse(messages.image.notDownloaded(name, option), name, messages.image.formats);
  const header = readImageHeader(data);
  if (header === undefined) return refuse(messages.image.unsupported(name, option), name, messages.image.formats);
  if (header.width !== undefined && header.height !== undefined && header.width * header.height > limits.maxPixels) {
    const size = messages.formatSize(header.width, header.height);
    refuse(messages.image.tooManyPixels(name, size, limits.maxPixels, option), size, messages.image.maxPixels(limits.maxPixels));
  }
  return { data, filename: attachment.filename, header };
}
