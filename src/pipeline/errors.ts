// Errors the pipeline raises on purpose. Each has a stable code so the layers above can map it
// to a user-facing message without parsing text.

export type PipelineErrorCode =
  | 'invalid_params'
  | 'invalid_model_folder'
  | 'provider_unavailable'
  | 'invalid_init_image'
  | 'cancelled';

export class PipelineError extends Error {
  override readonly name = 'PipelineError';

  constructor(
    readonly code: PipelineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isPipelineError(value: unknown, code?: PipelineErrorCode): value is PipelineError {
  return value instanceof PipelineError && (code === undefined || value.code === code);
}
