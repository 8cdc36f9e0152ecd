// Graceful shutdown on SIGINT/SIGTERM: stop intake, let the running job finish within a grace
// period, tell waiting users their job was interrupted, stop the worker and the stores, then
// resolve `done` so main can exit 0. A second signal exits at once.
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

export const DEFAULT_SHUTDOWN_GRACE_MS = 60_000;
const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** Exit status when a second signal cuts the graceful shutdown short. */
const EXIT_FORCED = 1;

export interface Drainable {
  /** Stop intake, interrupt waiting jobs, let running ones finish within `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

export interface ShutdownOptions {
  readonly service: Drainable;
  /** Run in order once the service has drained: the pipeline client, then the stores. */
  readonly closers?: ReadonlyArray<() => Promise<void>>;
  readonly graceMs?: number;
  readonly signals?: readonly NodeJS.Signals[];
  readonly logger?: Logger;
  readonly forceExit?: (code: number) => void;
}

export class GracefulShutdown {
  /** Resolves with what started the shutdown, once everything is closed. */
  readonly done: Promise<string>;
  private resolveDone: (reason: string) => void = () => undefined;
  private running: Promise<void> | undefined;
  private readonly listeners = new Map<NodeJS.Signals, () => void>();
  private readonly logger: Logger;

  constructor(private readonly options: ShutdownOptions) {
    this.logger = options.logger ?? silentLogger;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Listens for the shutdown signals on this process. */
  install(proc: NodeJS.Process = process): this {
    for (const signal of this.options.signals ?? DEFAULT_SIGNALS) {
      const listener = (): void => {
        if (this.running !== undefined) {
          this.logger.warn({ signal }, 'second signal during shutdown; exiting now');
          (this.options.forceExit ?? ((code: number) => proc.exit(code)))(EXIT_FORCED);
          return;
        }
        void this.run(signal);
      };
      this.listeners.set(signal, listener);
      proc.on(signal, listener);
    }
    return this;
  }

  uninstall(proc: NodeJS.Process = process): void {
    for (const [signal, listener] of this.listeners) proc.off(signal, listener);
    this.listeners.clear();
  }

  /** Shuts down once; later calls return the same promise. */
  run(reason: string): Promise<void> {
    this.running ??= this.shutDown(reason);
    return this.running;
  }

  private async shutDown(reason: string): Promise<void> {
    const graceMs = this.options.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    this.logger.info({ reason, graceMs }, 'shutting down');
    try {
      await this.options.service.shutdown(graceMs);
    } catch (error) {
      this.logger.error({ err: error }, 'draining the job service failed');
    }
    for (const close of this.options.closers ?? []) {
      try {
        await close();
      } catch (error) {
        this.logger.error({ err: error }, 'closing failed during shutdown');
      }
    }
    this.logger.info({ reason }, 'shutdown complete');
    this.resolveDone(reason);
  }
}
