// The ImageStore contract: result PNGs and uploads kept byte for byte by id, a lifetime that a
// new job referring to an image restarts, and a sweep of what expired (image-store.contract.test.ts).
import { describe, expect, it } from 'vitest';
import type { ImageStore } from '../../src/bot/core/ports/image-store.js';

export interface ImageStoreSetup {
  /** A fresh store whose images live `ttlMs`, on the given clock. */
  open(options: { readonly ttlMs: number; readonly now: () => number }): Promise<ImageStore>;
}

const HOUR_MS = 60 * 60_000;

export function describeImageStoreContract(name: string, setup: ImageStoreSetup): void {
  describe(`ImageStore contract: ${name}`, () => {
    it('gives back the exact bytes it was given, and undefined for an unknown id', async () => {
      const images = await setup.open({ ttlMs: HOUR_MS, now: Date.now });
      const bytes = new Uint8Array([137, 80, 78, 71, 0, 255, 1, 2]);
      await images.put('job-1-0', bytes);
      expect(new Uint8Array((await images.get('job-1-0')) ?? [])).toEqual(bytes);
      await images.put('job-1-0', new Uint8Array([9]));
      expect(new Uint8Array((await images.get('job-1-0')) ?? [])).toEqual(new Uint8Array([9]));
      expect(await images.get('job-2-0')).toBeUndefined();
      expect(await images.touch('job-2-0')).toBe(false);
    });

    it('expires images after their lifetime unless a new job touches them, and sweeps the expired', async () => {
      const clock = { now: Date.now() };
      const images = await setup.open({ ttlMs: HOUR_MS, now: () => clock.now });
      await images.put('kept', new Uint8Array([1]));
      await images.put('dropped', new Uint8Array([2]));
      clock.now += HOUR_MS - 60_000;
      expect(await images.touch('kept')).toBe(true);
      clock.now += 2 * 60_000;
      expect(await images.sweep()).toBe(1);
      expect(await images.get('dropped')).toBeUndefined();
      expect(new Uint8Array((await images.get('kept')) ?? [])).toEqual(new Uint8Array([1]));
    });

    it('refuses an id that could name something outside the store', async () => {
      const images = await setup.open({ ttlMs: HOUR_MS, now: Date.now });
      await expect(images.put('../escape', new Uint8Array([1]))).rejects.toThrow();
      await expect(images.get('a/b')).rejects.toThrow();
    });
  });
}
