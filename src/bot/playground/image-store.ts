// The PNGs the channel shows, kept byte for byte: downloads must carry the exact file the
// pipeline wrote, with its `parameters` text chunk, never a re-encoded copy. The job service's
// FileImageStore fits this port, so results can outlive a restart; memory is the default.

export interface PlaygroundImageStore {
  put(id: string, png: Uint8Array): Promise<void>;
  /** The bytes, or undefined when the image is unknown or was forgotten. */
  get(id: string): Promise<Uint8Array | undefined>;
}

export const IMAGE_ROUTE_PREFIX = '/images/';
/** The ids this adapter makes (UUIDs), and what a file-backed store accepts as a file name. */
export const IMAGE_ID_PATTERN = /^[A-Za-z0-9-]{1,128}$/;

/** Where the server serves image `id`; the file name is only what the browser saves it as. */
export function imagePath(id: string, filename: string): string {
  return `${IMAGE_ROUTE_PREFIX}${encodeURIComponent(id)}/${encodeURIComponent(safeFilename(filename))}`;
}

export class MemoryImageStore implements PlaygroundImageStore {
  private readonly images = new Map<string, Uint8Array>();

  /** `limit` bounds memory: the oldest images are forgotten first. */
  constructor(private readonly limit: number) {}

  async put(id: string, png: Uint8Array): Promise<void> {
    this.images.delete(id);
    this.images.set(id, png);
    for (const oldest of this.images.keys()) {
      if (this.images.size <= this.limit) break;
      this.images.delete(oldest);
    }
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    return this.images.get(id);
  }
}

/** Header- and file-system-safe: anything outside [A-Za-z0-9._-] becomes a dash; always `.png`. */
export function safeFilename(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '');
  const base = cleaned.length === 0 ? 'image' : cleaned;
  return base.toLowerCase().endsWith('.png') ? base : `${base}.png`;
}
