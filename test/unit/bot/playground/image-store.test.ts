import { describe, expect, it } from 'vitest';
import { imagePath, MemoryImageStore, safeFilename } from '../../../../src/bot/playground/image-store.js';

describe('MemoryImageStore', () => {
  it('gives back the exact bytes it was given', async () => {
    const store = new MemoryImageStore(10);
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await store.put('a1', png);
    expect(await store.get('a1')).toEqual(png);
    expect(await store.get('b2')).toBeUndefined();
  });

  it('forgets the oldest images beyond its limit', async () => {
    const store = new MemoryImageStore(2);
    for (const n of [1, 2, 3]) await store.put(`id${n}`, Uint8Array.of(n));
    expect(await store.get('id1')).toBeUndefined();
    expect(await store.get('id2')).toEqual(Uint8Array.of(2));
    expect(await store.get('id3')).toEqual(Uint8Array.of(3));
  });
});

describe('imagePath', () => {
  it('names the image by id and the file the browser will save', () => {
    expect(imagePath('0f8e-11', 'imagine 42.png')).toBe('/images/0f8e-11/imagine-42.png');
  });
});

describe('safeFilename', () => {
  it.each([
    ['imagine-42.png', 'imagine-42.png'],
    ['a lighthouse "at" dusk.png', 'a-lighthouse-at-dusk.png'],
    ['../../etc/passwd', 'etc-passwd.png'],
    ['', 'image.png'],
    ['seed-1', 'seed-1.png'],
  ])('%j → %j', (name, expected) => {
    expect(safeFilename(name)).toBe(expected);
  });
});
