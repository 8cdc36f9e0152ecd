// Turns whatever ended a job into the one error type users see. Anything unexpected becomes
// generation_failed with the job id; the caller logs the original.
import { UserFacingError } from '../../commands/user-facing-error.js';
import { WorkerError } from '../../pipeline/ipc/worker-error.js';

export interface JobFailure {
  readonly error: UserFacingError;
  /** True when this was not a foreseen ending: log it in full. */
  readonly unexpected: boolean;
}

export function interruptedError(jobId: string, started: boolean): UserFacingError {
  const what = started ? 'was interrupted' : 'was not started';
  return new UserFacingError('interrupted', `The bot is restarting, so your job ${what}. Please try again in a minute.`, { jobId });
}

export function cancelledError(jobId: string): UserFacingError {
  return new UserFacingError('cancelled', 'The job was cancelled.', { jobId });
}

export function toJobFailure(error: unknown, jobId: string): JobFailure {
  if (UserFacingError.is(error)) return { error, unexpected: false };
  if (!WorkerError.is(error)) return { error: generationFailed(jobId), unexpected: true };
  switch (error.code) {
    case 'worker_crashed':
      return {
        error: new UserFacingError(
          'worker_crashed',
          `The image worker crashed while making this image (job ${jobId}). It has restarted; please try again.`,
          { jobId },
        ),
        unexpected: true,
      };
    case 'timed_out':
      return {
        error: new UserFacingError('timed_out', `This job took too long and was stopped (job ${jobId}). Try fewer steps or a smaller size.`, {
          jobId,
        }),
        unexpected: false,
      };
    case 'cancelled':
      return { error: cancelledError(jobId), unexpected: false };
    case 'shutting_down':
      return { error: interruptedError(jobId, true), unexpected: false };
    case 'model_unavailable':
      return { error: new UserFacingError('model_unavailable', error.message, { jobId }), unexpected: true };
    case 'invalid_params':
      return { error: new UserFacingError('invalid_option', error.message, { jobId }), unexpected: false };
    case 'invalid_init_image':
      return { error: new UserFacingError('invalid_option', error.message, { jobId, option: 'image' }), unexpected: false };
    case 'generation_failed':
    case 'bad_message':
      return { error: generationFailed(jobId), unexpected: true };
    default: {
      const unknownCode: never = error.code;
      return { error: generationFailed(String(unknownCode)), unexpected: true };
    }
  }
}

function generationFailed(jobId: string): UserFacingError {
  return new UserFacingError(
    'generation_failed',
    `Something went wrong while making this image (job ${jobId}). An admin can look it up in the logs.`,
    { jobId },
  );
}
