// The ImageStore contract against the file store the bot keeps images in.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { FileImageStore } from '../../src/bot/core/image-store.js';
import { describeImageStoreContract } from './image-store.contract.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeImageStoreContract('files', {
  async open(options) {
    const dir = await mkdtemp(join(tmpdir(), 'imagine-images-'));
    dirs.push(dir);
    return FileImageStore.open(dir, options);
  },
});
