// A Logger that keeps every line, so tests can assert what an operator would read.
import type { Logger } from '../../../src/bot/core/logger.js';

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly details: Readonly<Record<string, unknown>>;
  readonly message: string;
}

export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];

  info(details: object, message = ''): void {
    this.lines.push({ level: 'info', details: { ...details }, message });
  }

  warn(details: object, message = ''): void {
    this.lines.push({ level: 'warn', details: { ...details }, message });
  }

  error(details: object, message = ''): void {
    this.lines.push({ level: 'error', details: { ...details }, message });
  }
}
