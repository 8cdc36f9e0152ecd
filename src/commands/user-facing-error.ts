// The one error type users see. Every refusal carries a code and a message a person can act on.

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

export interface UserFacingErrorDetails {
  /** rate_limited: how long until the user may try again. */
  readonly retryAfterMs?: number;
  /** generation_failed and friends: the job to quote when asking an admin. */
  readonly jobId?: string;
  /** invalid_option: which option, the value given, and what is allowed. */
  readonly option?: string;
  readonly value?: string;
  readonly allowed?: string;
}

export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: UserFacingErrorDetails = {},
  ) {
    super(message);
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
