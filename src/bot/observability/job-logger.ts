// Every line logged while a job runs carries its id, so `grep <jobId>` tells the whole story.
import type { AppLogger } from './create-logger.js';

export function jobLogger(logger: AppLogger, jobId: string, bindings: Record<string, unknown> = {}): AppLogger {
  return logger.child({ ...bindings, jobId });
}
