// The page's files (HTML, CSS, JS modules), read once at start-up from a flat folder. Serving
// from an in-memory table means no request path ever reaches the file system.
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const DEFAULT_ASSETS_DIR = new URL('./public/', import.meta.url);

/** Every file of a known type in `dir`, by file name. */
export async function loadStaticAssets(dir: URL = DEFAULT_ASSETS_DIR): Promise<ReadonlyMap<string, StaticAsset>> {
  const assets = new Map<string, StaticAsset>();
  const entries = await readdir(fileURLToPath(dir), { withFileTypes: true });
  for (const entry of entries) {
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || contentType === undefined) continue;
    assets.set(entry.name, { body: await readFile(new URL(entry.name, dir)), contentType });
  }
  if (!assets.has('index.html')) throw new Error(`The playground page is missing: no index.html in ${fileURLToPath(dir)}`);
  return assets;
}
