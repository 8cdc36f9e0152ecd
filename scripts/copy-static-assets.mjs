// Second half of `npm run build`: tsc emits only JavaScript, so the playground's page (HTML, CSS
// and browser modules, served as they are) is copied next to the compiled server.
// Usage: node scripts/copy-static-assets.mjs [outDir]   (default dist)
import { cp, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = resolve(root, process.argv[2] ?? 'dist');
const ASSET_FOLDERS = ['bot/playground/public'];

for (const folder of ASSET_FOLDERS) {
  const target = resolve(outDir, folder);
  await rm(target, { recursive: true, force: true });
  await cp(resolve(root, 'src', folder), target, { recursive: true });
}
