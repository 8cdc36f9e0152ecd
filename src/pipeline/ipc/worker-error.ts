// How a generation handed to the worker process can fail. The pipeline layer cannot use the
// commands' UserFacingError, so the job service maps these codes to user-facing ones.

export const WORKER_ERROR_CODES = [
  /** The worker process exited while the job ran. */
  'worker_crashed',
  /** The worker stopped answering, or the job ran past its deadline. */
  'timed_out',
  'cancelled',
  /** The client is closing; the job was never finished. */
  'shutting_down',
  /** Unknown model name, or the model folder / provider could not be loaded. */
  'model_unavailable',
  'invalid_params',
  'invalid_init_image',
  /** Anything unexpected inside the worker; the full error is on the worker's stderr. */
  'generation_failed',
  /** The worker received a message it could not validate. */
  'bad_message',
] as const;
export type WorkerErrorCode = (typeof WORKER_ERROR_CODES)[number];

export class WorkerError extends Error {
  override readonly name = 'WorkerError';

  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly jobId?: string,
  ) {
    super(message);
  }

  static is(value: unknown, code?: WorkerErrorCode): value is WorkerError {
    return value instanceof WorkerError && (code === undefined || value.code === code);
  }
}
