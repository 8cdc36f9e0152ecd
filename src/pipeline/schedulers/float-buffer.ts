// A Float32Array reused across denoising steps, so the hot loop allocates nothing.

export class FloatBuffer {
  private data = new Float32Array(0);

  /** The buffer, reallocated only when the length changes. Its contents are stale. */
  take(length: number): Float32Array {
    if (this.data.length !== length) this.data = new Float32Array(length);
    return this.data;
  }
}
