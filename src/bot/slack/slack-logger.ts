// The adapter logs through pino (the project's logger); Bolt wants its own Logger shape, so this
// bridges one to the other and keeps Bolt's chatter at the level pino is set to.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger as PinoLogger } from 'pino';

export type SlackLogger = Pick<PinoLogger, 'debug' | 'info' | 'warn' | 'error'>;

const BOLT_LEVELS: readonly LogLevel[] = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

function joined(parts: readonly unknown[]): string {
  return parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
}

export function boltLoggerFrom(logger: SlackLogger, level: LogLevel = LogLevel.WARN): BoltLogger {
  let current = level;
  let name = 'bolt';
  const enabled = (wanted: LogLevel): boolean => BOLT_LEVELS.indexOf(wanted) >= BOLT_LEVELS.indexOf(current);
  return {
    debug: (...parts: unknown[]) => {
      if (enabled(LogLevel.DEBUG)) logger.debug({ source: name }, joined(parts));
    },
    info: (...parts: unknown[]) => {
      if (enabled(LogLevel.INFO)) logger.info({ source: name }, joined(parts));
    },
    warn: (...parts: unknown[]) => {
      if (enabled(LogLevel.WARN)) logger.warn({ source: name }, joined(parts));
    },
    error: (...parts: unknown[]) => {
      if (enabled(LogLevel.ERROR)) logger.error({ source: name }, joined(parts));
    },
    setLevel: (next: LogLevel) => {
      current = next;
    },
    getLevel: () => current,
    setName: (next: string) => {
      name = next;
    },
  };
}
