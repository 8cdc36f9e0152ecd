// Seeded, platform-independent random numbers. The same seed gives the same noise on every machine,
// which is what makes "same request + same seed = same image" hold.

export interface Rng {
  /** Uniform in [0, 1). */
  nextUniform(): number;
  /** Standard normal. */
  nextGaussian(): number;
  /** Fills `out` with standard normal samples and returns it. */
  fillGaussian(out: Float32Array): Float32Array;
}

const TWO_PI = 2 * Math.PI;
const UINT32_RANGE = 0x1_0000_0000;

/** splitmix32: spreads a 32-bit seed over the generator's 128-bit state. */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** with Box–Muller normals. */
export class SeededRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareGaussian: number | undefined;

  constructor(seed: number) {
    const next = splitmix32(seed);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  private nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  nextUniform(): number {
    return this.nextUint32() / UINT32_RANGE;
  }

  nextGaussian(): number {
    if (this.spareGaussian !== undefined) {
      const value = this.spareGaussian;
      this.spareGaussian = undefined;
      return value;
    }
    // 1 - u keeps the argument of log in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextUniform()));
    const angle = TWO_PI * this.nextUniform();
    this.spareGaussian = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  fillGaussian(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.nextGaussian();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
