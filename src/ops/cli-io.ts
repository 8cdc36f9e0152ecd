// The streams a command-line tool writes to; tests pass their own.
import type { ProgressSink } from './progress-bar.js';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  /** Progress and warnings; a TTY gets a redrawn progress bar. */
  readonly stderr: ProgressSink;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };
