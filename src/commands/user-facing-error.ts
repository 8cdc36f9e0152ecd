// The one error type users see. Every refusal carries a code, the details that explain it, and
// the text a person reads, which messages.ts renders from the code and the details.
import { messages } from './messages.js';

export const ERROR_CODES = [
  'invalid_option',
  'prompt_blocked',
  'rate_limited',
  'queue_full',
  'too_many_pending',
  'intake_paused',
  'banned',
  'forbidden',
  'not_found',
  'timed_out',
  'cancelled',
  'interrupted',
  'worker_crashed',
  'generation_failed',
  'model_unavailable',
  'storage_unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Codes whose text is always messages.ts's, worded from the details: whatever message a caller
 * passes (an internal error's text, say) never reaches a user.
 */
const WORDED_FROM_DETAILS: ReadonlySet<ErrorCode> = new Set([
  'rate_limited',
  'queue_full',
  'too_many_pending',
  'intake_paused',
  'banned',
  'timed_out',
  'cancelled',
  'interrupted',
  'worker_crashed',
  'generation_failed',
]);

export interface UserFacingErrorDetails {
  /** rate_limited: how long until the user may try again. */
  readonly retryAfterMs?: number;
  /** generation_failed and friends: the job to quote when asking an admin. */
  readonly jobId?: string;
  /** invalid_option: which option, the value given, and what is allowed. */
  readonly option?: string;
  readonly value?: string;
  readonly allowed?: string;
  /** rate_limited: the limit that refused, and how many images were asked for. */
  readonly limit?: { readonly capacity: number; readonly windowMs: number; readonly scope: 'user' | 'guild' };
  readonly requested?: number;
  /** too_many_pending: the user's queued plus running jobs, and the most allowed. */
  readonly pending?: number;
  readonly maxPending?: number;
  /** queue_full: waiting jobs the queue holds at most. */
  readonly maxWaiting?: number;
  /** intake_paused: the bot is restarting (not an admin's pause). */
  readonly restarting?: boolean;
  /** interrupted: how many runs of the job restarts cut off. */
  readonly attempts?: number;
}

export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: UserFacingErrorDetails = {},
  ) {
    super(WORDED_FROM_DETAILS.has(code) || message === '' ? messages.errors.text(code, details) : message);
  }

  /** The error with the text messages.ts writes for this code and these details. */
  static of(code: ErrorCode, details: UserFacingErrorDetails = {}): UserFacingError {
    return new UserFacingError(code, '', details);
  }

  static is(value: unknown): value is UserFacingError {
    return value instanceof UserFacingError;
  }
}

/** An `invalid_option` refusal that names the option, the value given and what is allowed. */
export function invalidOption(
  message: string,
  details: { readonly option: string; readonly value: string; readonly allowed: string },
): UserFacingError {
  return new UserFacingError('invalid_option', message, details);
}
