// A worker host's progress writes for one job, paced. Every write is a Redis script and an event
// that every bot reads and parses, yet a bot edits its message at most every second or two: so a
// job writes one step state per PROGRESS_MIN_INTERVAL_MS at most, always the newest, and the
// first at once. Previews are not lost to the pacing: a newer step carries the preview of the
// state it replaces, and a preview that a newer preview would replace is written first, without
// waiting. One write at a time, in order; the last state goes out at once when the job ends.
import type { GenerationProgress } from '../../../pipeline/types.js';

/** Least time between two progress writes of one job; far below any chat's edit interval. */
export const PROGRESS_MIN_INTERVAL_MS = 100;
/** States kept while Redis is slower than the previews: beyond it the oldest waiting one goes. */
const MAX_WAITING = 4;

export interface ProgressReporterOptions {
  readonly write: (progress: GenerationProgress) => Promise<void>;
  readonly onError: (error: unknown) => void;
  readonly intervalMs?: number;
}

export interface ProgressReporter {
  report(progress: GenerationProgress): void;
  /** Writes what still waits, at once, and resolves once every write has settled. */
  flush(): Promise<void>;
}

export function progressReporter(options: ProgressReporterOptions): ProgressReporter {
  const intervalMs = options.intervalMs ?? PROGRESS_MIN_INTERVAL_MS;
  /** Oldest first. Only the last may lack a preview; any before it wait only for the write in flight. */
  const waiting: GenerationProgress[] = [];
  let writing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let nextAt = Number.NEGATIVE_INFINITY;

  const writeNext = (): void => {
    timer = undefined;
    const next = waiting.shift();
    if (next === undefined) return;
    writing = options
      .write(next)
      .catch((error: unknown) => options.onError(error))
      .finally(() => {
        writing = undefined;
        nextAt = Date.now() + intervalMs;
        schedule();
      });
  };
  const schedule = (): void => {
    if (writing !== undefined || timer !== undefined || waiting.length === 0) return;
    const wait = waiting.length > 1 ? 0 : Math.max(0, nextAt - Date.now());
    timer = setTimeout(writeNext, wait);
  };

  return {
    report(progress) {
      const last = waiting.at(-1);
      if (last !== undefined && (last.preview === undefined || progress.preview === undefined || waiting.length >= MAX_WAITING)) {
        waiting.pop();
        const preview = progress.preview ?? last.preview;
        waiting.push(preview === undefined ? progress : { ...progress, preview });
      } else {
        waiting.push(progress);
      }
      schedule();
    },
    async flush() {
      for (;;) {
        if (writing !== undefined) {
          await writing;
          continue;
        }
        clearTimeout(timer);
        timer = undefined;
        if (waiting.length === 0) return;
        writeNext();
      }
    },
  };
}
