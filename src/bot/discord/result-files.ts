// The files of a finished job as Discord accepts them: within the per-file limit the interaction
// reports and the 25 MiB per-request limit, a grid first when there are several images, flagged
// images as spoilers (the presenter already withheld what the NSFW policy keeps back), and a note
// for everything the user would otherwise miss.
import { fitAttachment } from './fit-attachment.js';
import { buildImageGrid } from './image-grid.js';

export interface ResultImage {
  /** e.g. `imagine-42.png`; the extension changes when the image has to be converted. */
  readonly filename: string;
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Flagged and allowed here only blurred: sent as a spoiler. */
  readonly nsfw: boolean;
}

export interface ResultFile {
  readonly name: string;
  readonly data: Buffer;
  readonly contentType: string;
  /** Which image this is; undefined for the grid. */
  readonly imageIndex?: number;
}

export interface ResultFilesOptions {
  /** The interaction's `attachment_size_limit` (10 MiB without boosts). */
  readonly sizeLimitBytes: number;
}

export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;
/** Discord rejects a request whose files add up to more than this. */
export const MAX_REQUEST_BYTES = 25 * 1024 * 1024;
const SPOILER_PREFIX = 'SPOILER_';
const BYTES_PER_MB = 1024 * 1024;

const megabytes = (bytes: number): string => `${(bytes / BYTES_PER_MB).toFixed(1)} MB`;

export async function prepareResultFiles(
  images: readonly ResultImage[],
  options: ResultFilesOptions,
): Promise<{ readonly files: ResultFile[]; readonly notes: string[] }> {
  const notes: string[] = [];
  const label = (index: number): string => (images.length > 1 ? `Image ${index + 1}` : 'The image');
  const visible = images.map((image, index) => ({ image, index, spoiler: image.nsfw }));
  const anySpoiler = visible.some(({ spoiler }) => spoiler);
  const name = (base: string, spoiler: boolean): string => (spoiler ? `${SPOILER_PREFIX}${base}` : base);

  // Several images share the request limit; give each an equal share when they would not fit.
  const totalPng = visible.reduce((sum, { image }) => sum + image.png.length, 0);
  const perImageLimit =
    totalPng > MAX_REQUEST_BYTES
      ? Math.min(options.sizeLimitBytes, Math.floor(MAX_REQUEST_BYTES / Math.max(1, visible.length)))
      : options.sizeLimitBytes;

  const files: ResultFile[] = [];
  for (const { image, index, spoiler } of visible) {
    const fitted = await fitAttachment(image.png, perImageLimit);
    if (!fitted) {
      notes.push(`${label(index)} is ${megabytes(image.png.length)} and could not be made small enough to upload here.`);
      continue;
    }
    if (fitted.extension !== 'png') {
      notes.push(
        `${label(index)} is ${megabytes(image.png.length)}, over the ${megabytes(perImageLimit)} upload limit here: ` +
          `sent as ${fitted.extension === 'webp' ? 'WebP' : 'JPEG'}, with its parameters in EXIF.`,
      );
    }
    files.push({
      name: name(withExtension(image.filename, fitted.extension), spoiler),
      data: fitted.data,
      contentType: fitted.contentType,
      imageIndex: index,
    });
  }

  const shown = visible.filter(({ index }) => files.some((file) => file.imageIndex === index));
  const first = shown[0]?.image;
  if (shown.length > 1 && first) {
    const grid = await buildImageGrid(shown.map(({ image }) => image.png), first.width, first.height);
    const used = files.reduce((sum, file) => sum + file.data.length, 0);
    const fittedGrid = await fitAttachment(grid, Math.min(options.sizeLimitBytes, MAX_REQUEST_BYTES - used));
    // The grid is a convenience: without room for it the individual files are enough.
    if (fittedGrid) {
      files.unshift({ name: name(`grid.${fittedGrid.extension}`, anySpoiler), data: fittedGrid.data, contentType: fittedGrid.contentType });
    }
  }
  return { files, notes };
}

function withExtension(filename: string, extension: string): string {
  const dot = filename.lastIndexOf('.');
  return `${dot > 0 ? filename.slice(0, dot) : filename}.${extension}`;
}
