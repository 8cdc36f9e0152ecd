// Turns whatever ended a job into the one error type users see. Anything unexpected becomes
// generation_failed with the job id; the caller logs the original. The wording is messages.ts's.
import { UserFacingError } from '../../commands/user-facing-error.js';
import { WorkerError } from '../../pipeline/ipc/worker-error.js';

export interface JobFailure {
  readonly error: UserFacingError;
  /** True when this was not a foreseen ending: log it in full. */
  readonly unexpected: boolean;
}

/** A job cut off by restarts `attempts` times, which is not run again. */
export function interruptedError(jobId: string, attempts: number): UserFacingError {
  return UserFacingError.of('interrupted', { jobId, attempts });
}

export function cancelledError(jobId: string): UserFacingError {
  return UserFacingError.of('cancelled', { jobId });
}

export function toJobFailure(error: unknown, jobId: string): JobFailure {
  if (UserFacingError.is(error)) return { error, unexpected: false };
  if (!WorkerError.is(error)) return { error: UserFacingError.of('generation_failed', { jobId }), unexpected: true };
  switch (error.code) {
    case 'worker_crashed':
      return { error: UserFacingError.of('worker_crashed', { jobId }), unexpected: true };
    case 'timed_out':
      return { error: UserFacingError.of('timed_out', { jobId }), unexpected: false };
    case 'cancelled':
      return { error: cancelledError(jobId), unexpected: false };
    case 'shutting_down':
      return { error: interruptedError(jobId, 1), unexpected: false };
    case 'model_unavailable':
      return { error: UserFacingError.of('model_unavailable', { jobId }), unexpected: true };
    case 'invalid_params':
      // The pipeline's own check names the option, the value and the bounds.
      return { error: new UserFacingError('invalid_option', error.message, { jobId }), unexpected: false };
    case 'invalid_init_image':
      return { error: new UserFacingError('invalid_option', error.message, { jobId, option: 'image' }), unexpected: false };
    case 'generation_failed':
    case 'bad_message':
      return { error: UserFacingError.of('generation_failed', { jobId }), unexpected: true };
    default: {
      const unknownCode: never = error.code;
      return { error: UserFacingError.of('generation_failed', { jobId: String(unknownCode) }), unexpected: true };
    }
  }
}
