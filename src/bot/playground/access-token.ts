// The per-start secret that every request must carry. It keeps other local users (and web pages
// in the operator's own browser) from driving the bot by accident: they cannot know it.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 192 bits: far beyond guessing, and still short enough to read in a URL. */
const TOKEN_BYTES = 24;

export class AccessToken {
  private readonly bytes: Buffer;

  private constructor(readonly value: string) {
    this.bytes = Buffer.from(value);
  }

  /** A fresh random token; each start of the playground makes a new one. */
  static generate(): AccessToken {
    return new AccessToken(randomBytes(TOKEN_BYTES).toString('base64url'));
  }

  /** Only for tests and operators who pin a token; production start-up uses generate(). */
  static fromValue(value: string): AccessToken {
    if (value.length === 0) throw new Error('An access token must not be empty');
    return new AccessToken(value);
  }

  /** Constant-time comparison, so response timing does not leak the token byte by byte. */
  matches(candidate: string | undefined): boolean {
    if (candidate === undefined) return false;
    const given = Buffer.from(candidate);
    return given.length === this.bytes.length && timingSafeEqual(given, this.bytes);
  }
}
