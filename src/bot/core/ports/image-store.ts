// Result PNGs and uploaded init images by id (test/contract/image-store.contract.ts).

export interface ImageStore {
  put(id: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or undefined when the image is unknown or has expired. */
  get(id: string): Promise<Uint8Array | undefined>;
  /** Restarts an image's lifetime, for a new job that refers to it; false when it is gone. */
  touch(id: string): Promise<boolean>;
  /** Deletes expired images; returns how many went. */
  sweep(): Promise<number>;
}

/** Id of image `index` of a job's result. */
export function resultImageId(jobId: string, index: number): string {
  return `${jobId}-${index}`;
}
